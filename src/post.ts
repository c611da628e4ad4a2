/** The post step's entry (action.yml `post`): a separate bundle that never parses the STS client. */
import { run } from './post/cleanup.js'

void run()
