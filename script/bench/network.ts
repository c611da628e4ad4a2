/**
 * The RTT bench's loopback network: the in-process emulator behind a TLS front (a throwaway CA,
 * trusted through NODE_EXTRA_CA_CERTS), and per RTT one delay link for STS and one for GitHub's
 * ID-token endpoint. Everything listens on 127.0.0.1 and is registered with `closers`.
 */
import { startDelayLink, type DelayLink } from '../../test-support/delay-link.js'
import { startEmulator, type Emulator } from '../../test-support/emulator/index.js'
import { makeThrowawayCa, startTlsFront } from '../../test-support/tls-front.js'
import type { Closers } from './cleanup.js'

export interface Network {
  /** The throwaway CA's certificate file, for NODE_EXTRA_CA_CERTS. */
  caFile: string
  emu: Emulator
  /** Per RTT, the links to STS and to the ID-token endpoint. */
  links: Map<number, { sts: DelayLink; github: DelayLink }>
}

/** A throwaway CA, removed by `closers`; made before anything else so it goes last. */
export function makeCa(closers: Closers): ReturnType<typeof makeThrowawayCa> {
  const ca = makeThrowawayCa()
  closers.add(() => ca.remove())
  return ca
}

export async function startNetwork(
  ca: ReturnType<typeof makeThrowawayCa>,
  rtts: number[],
  closers: Closers
): Promise<Network> {
  const emu = await startEmulator()
  closers.add(() => emu.close())
  const front = await startTlsFront(ca, emu.port)
  closers.add(() => front.close())
  const links = new Map<number, { sts: DelayLink; github: DelayLink }>()
  for (const rtt of rtts) {
    const sts = await startDelayLink(front.port, rtt)
    closers.add(() => sts.close())
    const github = await startDelayLink(front.port, rtt)
    closers.add(() => github.close())
    links.set(rtt, { sts, github })
  }
  return { caFile: ca.caFile, emu, links }
}
