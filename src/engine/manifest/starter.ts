/** The commented manifest `agentor init` writes: valid as written, and runnable offline. */
export function starterManifest(name: string, schemaReference: string): string {
  return `# yaml-language-server: $schema=${schemaReference}
# An agentor agent manifest. Check it with \`agentor validate\`, run it with \`agentor run\`.
# Every key is documented in the schema (\`agentor schema\`); editors with the YAML language server
# show the descriptions on hover.
agentor: 1
name: ${name}
description: A starter agent
instructions: |
  You are a careful assistant. Explain what you are about to do before you use a tool.

# The model. \`scripted\` plays the turns below, offline and deterministic: useful to try the loop
# and in CI. For a real model, replace this block, for example:
#   model:
#     provider: openai
#     name: gpt-4o-mini
#     apiKey: \${OPENAI_API_KEY}
#     fallbacks:
#       - { provider: anthropic, name: claude-sonnet-4-5, apiKey: \${ANTHROPIC_API_KEY} }
model:
  provider: scripted
  script:
    - toolCalls:
        - { name: list_dir, arguments: { path: . } }
    - text: I listed the workspace. Replace the scripted model with a real one to do real work.

# The tools the agent may use: builtin skill names, or paths to Markdown skills.
skills: [file_read, list_dir]

limits:
  maxTurns: 10
`
}
