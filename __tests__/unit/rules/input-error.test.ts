/**
 * How an InputError shows a value (src/rules/input-error.ts quote()): control characters escaped,
 * never raw in the message. Once a product bug, now fixed: kept as a regression test.
 */
import { describe, expect, test } from '@jest/globals'
import { expectRefused } from '../../../test-support/read-settings.js'

describe('quote() in messages', () => {
  // JSON.stringify alone escapes only U+0000..U+001F; DEL, C1 (U+0080..U+009F, U+009B is an 8-bit
  // CSI) and U+2028/U+2029, which hasControlCharacter() counts as control characters, would stay raw.
  test.each(['Git\u2028Hub', 'Git\u2029Hub', 'Git\u007fHub', 'Git\u009b31mHub', 'Git\u0085Hub'])(
    'quote() shows %j escaped in the message',
    value => {
      const error = expectRefused({ 'role-session-name': value }, 'role-session-name', /2 to 64/)
      // eslint-disable-next-line no-control-regex -- control characters are what is looked for
      expect(error.message).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/)
    }
  )
})
