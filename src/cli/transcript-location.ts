import { Flags } from '@oclif/core'

export const transcriptLocationFlags = {
  manifest: Flags.string({ char: 'm', description: 'read the transcript directory from this manifest', exclusive: ['dir'] }),
  dir: Flags.string({ description: 'the transcript directory', default: '.agentor/transcripts' }),
}

/** The transcript store a `transcript` command reads: the manifest's, or a directory given directly. */
export async function openTranscripts(flags: { manifest?: string; dir: string }) {
  const [{ FileTranscriptStore }, { resolve, dirname }] = await Promise.all([import('../engine/transcript/file-store.js'), import('node:path')])
  if (!flags.manifest) return new FileTranscriptStore(flags.dir)
  const { loadManifest } = await import('../engine/manifest/load.js')
  const { manifest } = await loadManifest(flags.manifest)
  return new FileTranscriptStore(resolve(dirname(resolve(flags.manifest)), manifest.transcripts.dir))
}
