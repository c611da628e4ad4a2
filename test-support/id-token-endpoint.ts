/**
 * A stand-in for GitHub's ID-token endpoint in unit tests: the action fetches the token through the
 * SDK's NodeHttpHandler, so its `handle` answers from a queue. Unexpected requests are refused
 * (never sent), so no unit test can reach the network.
 */
import { jest } from '@jest/globals'
import { HttpResponse, type HttpRequest } from '@smithy/core/protocols'
import { NodeHttpHandler } from '@smithy/node-http-handler'
import { Readable } from 'node:stream'

export type HandleSpy = jest.SpiedFunction<NodeHttpHandler['handle']>

export interface Answer {
  status: number
  body: string
}

export const tokenAnswer = (token: string): Answer => ({
  status: 200,
  body: JSON.stringify({ value: token })
})

export function idTokenEndpoint(...answers: Answer[]): HandleSpy {
  const spy = jest.spyOn(NodeHttpHandler.prototype, 'handle')
  spy.mockRejectedValue(new Error('unexpected HTTP request in a unit test'))
  for (const answer of answers) {
    spy.mockResolvedValueOnce({
      response: new HttpResponse({
        statusCode: answer.status,
        headers: { 'content-type': 'application/json' },
        body: Readable.from([Buffer.from(answer.body)])
      })
    })
  }
  return spy
}

/** The request a call sent, as a URL plus its headers. */
export function sentRequest(
  spy: HandleSpy,
  call = 0
): { url: URL; headers: Record<string, string> } {
  const request = spy.mock.calls[call]?.[0] as HttpRequest
  const url = new URL(
    `${request.protocol}//${request.hostname}${request.port ? `:${request.port}` : ''}${request.path}`
  )
  for (const [name, value] of Object.entries(request.query ?? {}))
    url.searchParams.set(name, String(value))
  return { url, headers: request.headers }
}
