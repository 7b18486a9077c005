import { randomUUID } from 'node:crypto'
import type { ApprovalGate } from '../approval/gate.js'
import { AgentorError } from '../errors.js'
import type { ChatMessage, ToolSpec } from '../llm/contract.js'
import { StreamInterruptedError, type FailoverModel } from '../llm/failover.js'
import type { ResolvedLimits, ResolvedPricing, ResolvedSkillSettings } from '../manifest/generated/manifest-types.js'
import type { SkillContext } from '../skills/contract.js'
import { RunResources } from '../skills/run-resources.js'
import { join } from 'node:path'
import type { SkillRegistry } from '../skills/registry.js'
import type { FileTranscriptStore } from '../transcript/file-store.js'
import { newSessionId } from '../transcript/session-id.js'
import { Budget } from './budget.js'
import type { EventSink, UsageByModel } from './events.js'
import { RunRecorder } from './recorder.js'
import { historyFromTranscript } from './session-history.js'
import { executeToolCalls } from './tool-execution.js'
import { FullDisclosure, ProgressiveDisclosure, type ToolDisclosure } from '../skills/disclosure.js'

/** How many times in a row an answer cut off at max tokens is continued. */
const MAX_CONTINUATIONS = 3
const CONTINUE_PROMPT = 'Your answer was cut off at the output token limit. Continue exactly where you stopped, without repeating anything.'

export interface AgentSetup {
  name: string
  system: string
  model: FailoverModel
  pricing: ReadonlyMap<string, ResolvedPricing | undefined>
  registry: SkillRegistry
  /** Tools the agent is offered (its tool group). */
  tools: readonly ToolSpec[]
  /** With progressive disclosure, the meta-tools that search and enable the offered tools. */
  metaTools?: readonly ToolSpec[]
  /** Tools a (Markdown) skill needs; enabling the skill enables them too. */
  toolRequirements: Readonly<Record<string, readonly string[]>>
  limits: ResolvedLimits
  workspace: string
  skillSettings: ResolvedSkillSettings
  /** Each session's artifacts go in a directory of its own under this one. */
  artifactsRoot: string
  transcripts?: FileTranscriptStore
  gate: ApprovalGate
}

export interface RunOptions {
  /** Continue this session (its transcript supplies the history); a new one is started otherwise. */
  sessionId?: string
  onEvent?: EventSink
  signal?: AbortSignal
}

export interface RunResult {
  sessionId: string
  status: 'completed' | 'failed'
  output: string
  /** Why the run failed, starting with the error code when there is one (`E_MODEL_UNAVAILABLE: …`). */
  reason?: string
  /** What the user can do about the failure. */
  hint?: string
  turns: number
  usage: UsageByModel[]
  costUsd: number
}

/** One task through the tool-calling loop, streamed to the listener and recorded in the transcript. */
export async function runAgent(setup: AgentSetup, task: string, options: RunOptions = {}): Promise<RunResult> {
  const signal = options.signal ?? new AbortController().signal
  const sessionId = options.sessionId ?? newSessionId()
  const prior = options.sessionId && setup.transcripts ? setup.transcripts.read(options.sessionId).entries : []
  const recorder = new RunRecorder(setup.transcripts, sessionId, randomUUID(), prior.at(-1)?.seq ?? 0, options.onEvent)
  const budget = new Budget(setup.limits, setup.pricing)
  const messages: ChatMessage[] = [...historyFromTranscript(prior), { role: 'user', content: task }]
  const disclosure: ToolDisclosure = setup.metaTools
    ? new ProgressiveDisclosure(setup.tools, setup.metaTools, setup.toolRequirements, prior.flatMap((entry) => (entry.type === 'tools_enabled' ? entry.names : [])))
    : new FullDisclosure(setup.tools)
  recorder.emit({ type: 'run_start', agent: setup.name, models: setup.model.labels, resumed: prior.length > 0 })
  recorder.emit({ type: 'user_message', content: task })

  const resources = new RunResources((key, error) => recorder.emit({
    type: 'skill_event', skill: key, event: 'close-failed', summary: `could not close ${key}: ${error instanceof Error ? error.message : String(error)}`, data: {},
  }))
  const finish = async (status: RunResult['status'], output: string, reason?: string, hint?: string): Promise<RunResult> => {
    await resources.closeAll()
    const usage = budget.summary()
    recorder.emit({ type: 'run_end', status, ...(reason ? { reason } : {}), turns: recorder.turn, usage })
    return { sessionId, status, output, ...(reason ? { reason } : {}), ...(hint ? { hint } : {}), turns: recorder.turn, usage, costUsd: budget.totals().costUsd }
  }

  const startedAt = new Date().toISOString()
  const toolCalls: { name: string; isError: boolean }[] = []
  const context: Omit<SkillContext, 'signal'> = {
    workspace: setup.workspace,
    settings: setup.skillSettings,
    sessionId,
    artifactDir: join(setup.artifactsRoot, sessionId),
    disclosure,
    resources,
    record: (event) => recorder.emit({ type: 'skill_event', skill: event.skill, event: event.event, summary: event.summary, data: event.data ?? {} }),
    askHuman: async (question) => setup.gate.askPerson(
      { callId: `ask-${toolCalls.length + 1}`, name: 'human_approval', arguments: question, risk: question.risk, sessionId },
      question.details ? `${question.summary}\n${question.details}` : question.summary, recorder.emit, signal,
    ),
    runState: () => ({
      agent: setup.name, sessionId, turn: recorder.turn, maxTurns: setup.limits.maxTurns, startedAt, toolCalls: [...toolCalls],
      tokensUsed: budget.totals().tokens, costUsd: budget.totals().costUsd,
      ...(setup.limits.maxTokens !== undefined ? { maxTokens: setup.limits.maxTokens } : {}),
      ...(setup.limits.maxCostUsd !== undefined ? { maxCostUsd: setup.limits.maxCostUsd } : {}),
    }),
  }
  let answer = ''
  let continuations = 0
  let modelPosition = 0
  let streamed = ''
  try {
    for (;;) {
      if (recorder.turn >= setup.limits.maxTurns) return await finish('failed', answer, `the agent did not finish within limits.maxTurns (${setup.limits.maxTurns} turns)`)
      const overBudget = budget.exceeded()
      if (overBudget) return await finish('failed', answer, overBudget)
      signal.throwIfAborted()
      recorder.turn++
      recorder.flush()
      streamed = ''
      const turn = await setup.model.complete(
        { system: setup.system + disclosure.catalogue(), messages, tools: disclosure.specs(), signal },
        { onTextDelta: (text) => { streamed += text; recorder.emit({ type: 'text_delta', text }) }, emit: recorder.emit, startAt: modelPosition },
      )
      modelPosition = turn.position
      const costUsd = budget.add(turn.model, turn.usage)
      recorder.emit({ type: 'usage', model: turn.model, ...turn.usage, costUsd })
      messages.push({ role: 'assistant', content: turn.text, toolCalls: turn.toolCalls })
      recorder.emit({ type: 'assistant_message', model: turn.model, content: turn.text, toolCalls: turn.toolCalls, stopReason: turn.stopReason })
      answer = continuations > 0 ? answer + turn.text : turn.text
      if (turn.toolCalls.length > 0) {
        continuations = 0
        const enabledBefore = enabledNames(disclosure)
        for (const call of turn.toolCalls) recorder.emit({ type: 'tool_call', callId: call.id, name: call.name, arguments: call.arguments })
        recorder.flush()
        const results = await executeToolCalls(turn.toolCalls, {
          registry: setup.registry, disclosure, signal,
          context, timeoutMs: setup.limits.toolTimeoutSeconds * 1000, emit: recorder.emit, gate: setup.gate,
        })
        for (const result of results) toolCalls.push({ name: result.name, isError: result.isError })
        const newlyEnabled = enabledNames(disclosure).filter((name) => !enabledBefore.includes(name))
        if (newlyEnabled.length) recorder.emit({ type: 'tools_enabled', names: newlyEnabled })
        messages.push(...results)
        continue
      }
      if (turn.stopReason !== 'length') return await finish('completed', answer)
      if (continuations >= MAX_CONTINUATIONS) return await finish('failed', answer, `the answer was still cut off at the token limit after ${MAX_CONTINUATIONS} continuations; raise model.maxTokens`)
      continuations++
      messages.push({ role: 'user', content: CONTINUE_PROMPT })
      recorder.emit({ type: 'user_message', content: CONTINUE_PROMPT })
    }
  } catch (error) {
    if (streamed) {
      // Keep what already reached the user, so a resumed session can continue from it.
      messages.push({ role: 'assistant', content: streamed, toolCalls: [] })
      recorder.emit({ type: 'assistant_message', model: error instanceof StreamInterruptedError ? error.model : setup.model.labels[modelPosition]!, content: streamed, toolCalls: [], stopReason: 'interrupted' })
      answer += streamed
    }
    if (signal.aborted) return await finish('failed', answer, 'interrupted')
    if (error instanceof AgentorError) return await finish('failed', answer, `${error.code}: ${error.message}`, error.hint)
    throw error
  } finally {
    await resources.closeAll()
  }
}

function enabledNames(disclosure: ToolDisclosure): string[] {
  return disclosure instanceof ProgressiveDisclosure ? disclosure.enabledNames() : []
}
