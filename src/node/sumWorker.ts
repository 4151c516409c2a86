/**
 * Worker-thread entry of the kernel-sum thread pool (src/node/threads.ts): marks itself
 * ready in the pool's shared flags, then runs each job message's rows (`runSumJob`).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runSumJob, type SumJob } from '../backend/parallel.js';

const { ready, index } = workerData as { ready: SharedArrayBuffer; index: number };
parentPort!.on('message', (job: SumJob) => runSumJob(job));
const flags = new Int32Array(ready);
Atomics.store(flags, index, 1);
Atomics.notify(flags, index);
