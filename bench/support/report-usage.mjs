// Preloaded with `node --import`: when the process exits, writes its process.resourceUsage() as
// JSON to the file named by BENCH_USAGE_FILE, so the benchmark can read a child's CPU time.
import { writeFileSync } from 'node:fs'

const usageFile = process.env.BENCH_USAGE_FILE
delete process.env.BENCH_USAGE_FILE
if (usageFile) process.on('exit', () => writeFileSync(usageFile, JSON.stringify(process.resourceUsage())))
