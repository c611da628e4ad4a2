/**
 * The per-attempt bound (src/network/bounded-http.ts) against a real loopback server: a body that drips
 * ends at the deadline, one over the cap ends at the cap whether or not it declares its length,
 * and an honest answer passes through untouched.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { HttpRequest } from '@smithy/core/protocols'
import { NodeHttpHandler, streamCollector } from '@smithy/node-http-handler'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

const { boundedHandler } = await import('../../../src/network/bounded-http.js')

let server: Server
let port = 0
const timers = new Set<NodeJS.Timeout>()

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/drip') {
      res.writeHead(200, { 'content-length': 100 })
      res.flushHeaders()
      const tick = (): void => {
        if (res.destroyed) return
        res.write('x')
        const timer = setTimeout(tick, 100)
        timers.add(timer)
      }
      tick()
    } else if (req.url === '/huge' || req.url === '/huge-declared') {
      const total = 8 * 1024 * 1024
      res.writeHead(200, req.url === '/huge-declared' ? { 'content-length': total } : {})
      const chunk = Buffer.alloc(64 * 1024, 'A')
      let sent = 0
      const pump = (): void => {
        while (!res.destroyed && sent < total) {
          sent += chunk.length
          if (!res.write(chunk)) return void res.once('drain', pump)
        }
        if (!res.destroyed) res.end()
      }
      pump()
    } else {
      res.end('hello')
    }
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  port = (server.address() as AddressInfo).port
})

afterAll(async () => {
  for (const timer of timers) clearTimeout(timer)
  server.closeAllConnections()
  await new Promise(resolve => server.close(resolve))
})

async function fetchBody(path: string, deadlineMs: number): Promise<string> {
  const handler = boundedHandler(new NodeHttpHandler({ requestTimeout: 60_000 }), {
    endpoint: 'STS',
    deadlineMs,
    maxBytes: 1024 * 1024
  })
  try {
    const request = new HttpRequest({
      protocol: 'http:',
      hostname: '127.0.0.1',
      port,
      path,
      method: 'GET',
      headers: { host: `127.0.0.1:${port}` }
    })
    const { response } = await handler.handle(request, {})
    return Buffer.from(await streamCollector(response.body)).toString('utf8')
  } finally {
    handler.destroy?.()
  }
}

describe('boundedHandler', () => {
  test('an honest answer passes through', async () => {
    await expect(fetchBody('/', 2_000)).resolves.toBe('hello')
  })

  test('a dripping body ends at the deadline with a transient TimeoutError', async () => {
    const started = Date.now()
    const error = await fetchBody('/drip', 500).catch((e: unknown) => e as Error)
    const elapsed = Date.now() - started
    expect(error).toMatchObject({
      name: 'TimeoutError',
      message: 'STS did not finish answering within 500 ms.'
    })
    expect(elapsed).toBeGreaterThanOrEqual(450)
    expect(elapsed).toBeLessThan(2_000)
  })

  test.each(['/huge', '/huge-declared'])('%s: more than the cap ends the attempt', async path => {
    await expect(fetchBody(path, 10_000)).rejects.toMatchObject({
      name: 'ResponseTooLarge',
      message: 'STS sent an answer larger than 1048576 bytes; no real answer is that large.'
    })
  })
})
