/**
 * Stands in for @smithy/core/checksum in the bundle (tsconfig.build.json `paths`, which ncc applies when
 * it resolves modules; tests and type checks see the real package). The submodule's CommonJS
 * build loads node:zlib when it loads, for a native CRC32. What the bundle takes from it is SHA-256
 * (signing) and CRC32 (event streams, which STS never uses): the package's own Node SHA-256, and
 * its pure-JavaScript CRC32, the one it falls back to itself where zlib has no crc32.
 */
import type * as Published from '../node_modules/@smithy/core/dist-types/submodules/checksum/index.js'
// @ts-expect-error -- the ES build has no declarations beside it; dist-types (above) describes it
import { Crc32Js } from '../node_modules/@smithy/core/dist-es/submodules/checksum/crc32/Crc32Js.js'
// @ts-expect-error -- as above
import { Sha256Node } from '../node_modules/@smithy/core/dist-es/submodules/checksum/sha256/Sha256Node.js'

export const Sha256: typeof Published.Sha256 = Sha256Node
export const Crc32: typeof Published.Crc32 = Crc32Js
