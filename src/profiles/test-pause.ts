/**
 * Test-only pause points at each write boundary of the profile files, so the end-to-end tests can
 * kill a step exactly there. ASSUME_AWS_ROLE_TEST_PAUSE=`POINT=FILE` makes the step create FILE
 * (holding its PID) on reaching POINT and wait until FILE is deleted. Harmless if set by accident:
 * the wait ends by itself after 20 s, and the step then carries on as if it had never paused.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { setTimeout as sleep } from 'node:timers/promises'

export const PAUSE_VARIABLE = 'ASSUME_AWS_ROLE_TEST_PAUSE'
const MAX_PAUSE_MS = 20_000
const POLL_MS = 20

export async function pausePoint(point: string): Promise<void> {
  const setting = process.env[PAUSE_VARIABLE]
  if (!setting) return
  const split = setting.indexOf('=')
  if (split < 1 || setting.slice(0, split) !== point) return
  const file = setting.slice(split + 1)
  try {
    // wx: only the first step to reach the point pauses, and no existing file is overwritten.
    await writeFile(file, String(process.pid), { flag: 'wx', mode: 0o600 })
  } catch {
    return
  }
  const until = Date.now() + MAX_PAUSE_MS
  while (Date.now() < until) {
    await sleep(POLL_MS)
    const gone = await readFile(file).then(
      () => false,
      () => true
    )
    if (gone) return
  }
}
