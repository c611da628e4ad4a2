/** The main step's entry (action.yml `main`); the post step has its own, src/post.ts. run() reports its own failures. */
import { run } from './main.js'

void run()
