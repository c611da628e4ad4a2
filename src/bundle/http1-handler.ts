/**
 * Stands in for @smithy/node-http-handler in the bundle (tsconfig.build.json `paths`, which ncc applies
 * when it resolves modules; tests and type checks see the real package). The package's CommonJS
 * build loads node:http2 when it loads, for a NodeHttp2Handler that neither the STS client nor
 * anything here uses. These are the package's own HTTP/1.1 handler, from its ES modules, and the
 * stream collector it re-exports: what every importer in the bundle takes from it.
 */
import type * as Published from '../../node_modules/@smithy/node-http-handler/dist-types/index.js'
// @ts-expect-error -- the ES build has no declarations beside it; dist-types (above) describes it
import { NodeHttpHandler as Http1Handler } from '../../node_modules/@smithy/node-http-handler/dist-es/node-http-handler.js'

export { streamCollector } from '@smithy/core/serde'

export const NodeHttpHandler: typeof Published.NodeHttpHandler = Http1Handler
export type NodeHttpHandler = Published.NodeHttpHandler
