// Run in a fresh node process: times one validateManifests() call over every *.yaml file in a
// directory and prints the figures as one JSON line. Usage: node validate-in-process.mjs <validate.js> <dir>
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

const [validateModule, directory] = process.argv.slice(2)
const { validateManifests } = await import(pathToFileURL(validateModule).href)
const files = readdirSync(directory).filter((name) => name.endsWith('.yaml')).sort().map((name) => join(directory, name))

const cpuBefore = process.cpuUsage()
const start = performance.now()
const reports = await validateManifests(files, { env: process.env })
const wallMs = performance.now() - start
const cpu = process.cpuUsage(cpuBefore)

const errors = reports.flatMap((report) => report.diagnostics.filter((d) => d.severity === 'error'))
console.log(JSON.stringify({
  wallMs,
  cpuMs: (cpu.user + cpu.system) / 1000,
  reports: reports.length,
  errors: errors.length,
  firstError: errors[0] && `${errors[0].file}:${errors[0].line}:${errors[0].column} ${errors[0].message}`,
}))
