/**
 * The main step's entry (action.yml `main`); the post step has its own bundle (src/post.ts).
 * The same bundle serves refresh-credentials profiles as their credential_process, so the STS
 * client ships once. Each run reports its own failures.
 */
import { run } from './main.js'

void (process.argv[2] === 'credential-process'
  ? import('./profiles/credential-process.js').then(module => module.run(process.argv.slice(3)))
  : run())
