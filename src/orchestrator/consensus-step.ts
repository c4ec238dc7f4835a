import { isCorchError } from '../protocol/errors.js';
import { type ChunkResult, type ChunkRunEnv, runChunk } from './chunk-runner.js';
import { parseJudgeVerdict, type JudgeVerdict } from './judge-verdict.js';
import { type ChunkSpec, chunkModel, chunksOf, type PlanStep } from './plan.js';
import type { PipelineRun } from './pipeline.js';
import { JUDGE_ANSWER_SHAPE, stageDefinition } from './stage-registry.js';

type ConsensusStep = Extract<PlanStep, { kind: 'consensus' }>;

interface CandidateOutcome {
  spec: ChunkSpec;
  chunkNumber: number;
  result?: ChunkResult;
  error?: unknown;
}

/**
 * A consensus step: every candidate streams at once (one provider request each, all aborted together on a
 * cancel or a budget), then the Judge reads the candidates that finished and picks one. A candidate that
 * fails ends as a `chunk_completed` with `error` while the others go on; the stage fails only when every
 * candidate failed. With one survivor there is nothing to compare: the Judge's chunk says so and calls no
 * model. Returns the chosen candidate's output, which becomes the stage's output for the next stages.
 */
export async function runConsensusStep(run: PipelineRun, env: ChunkRunEnv, step: ConsensusStep, first: number): Promise<string> {
  const chunks = chunksOf(step);
  const judgeSpec = chunks.at(-1)!;
  const judgeNumber = first + chunks.length - 1;
  const outcomes = await Promise.all(
    chunks.slice(0, -1).map((spec, i) => runCandidate(run, env, spec, first + i)),
  );
  const survivors = outcomes.filter((o) => o.result !== undefined);
  if (survivors.length === 0) throw outcomes[0]?.error;
  const role = stageDefinition(step.stage).agent;
  const eligible = survivors.map((o) => o.spec.candidate!);

  if (survivors.length === 1) {
    const only = survivors[0]!;
    const reason = `Only candidate ${only.spec.candidate} of ${step.models.length} finished, so there was nothing to compare; no model was called.`;
    await emitTrivialJudge(run, judgeSpec, judgeNumber, only.spec.candidate!, reason);
    await run.ctx.emit({ event: 'system_message', data: { message: `${role}: ${reason}`, level: 'warn' } });
    await run.progress('chunk_completed');
    return only.result!.output;
  }

  let verdict: JudgeVerdict | undefined;
  const job = run.job(
    judgeSpec,
    judgeNumber,
    {
      judged: step.stage,
      candidates: survivors.map((o) => ({ candidate: o.spec.candidate!, model: chunkModel(o.spec, run.stages), output: o.result!.output })),
    },
    (output) => {
      verdict = parseJudgeVerdict(output, eligible);
      return { choice: verdict.choice, ...(verdict.reason ? { reason: verdict.reason } : {}) };
    },
  );
  const result = await runChunk(env, job);
  await run.chunkDone(judgeNumber, judgeSpec, result);
  const picked = verdict ?? parseJudgeVerdict(result.output, eligible);
  const chosen = survivors.find((o) => o.spec.candidate === picked.choice) ?? survivors[0]!;
  const model = chunkModel(chosen.spec, run.stages);
  await run.ctx.emit({
    event: 'system_message',
    data: picked.parsed
      ? {
          message: `Judge picked ${role} candidate ${picked.choice} of ${step.models.length} (${model})${picked.reason ? `: ${picked.reason}` : '.'}`,
          level: 'info',
        }
      : {
          message: `The Judge's answer could not be read as ${JUDGE_ANSWER_SHAPE} naming a candidate that finished, so ${role} candidate ${picked.choice} (${model}), the first that finished, is used.`,
          level: 'warn',
        },
  });
  return chosen.result!.output;
}

async function runCandidate(run: PipelineRun, env: ChunkRunEnv, spec: ChunkSpec, chunkNumber: number): Promise<CandidateOutcome> {
  try {
    const result = await runChunk(env, run.job(spec, chunkNumber));
    await run.chunkDone(chunkNumber, spec, result);
    await run.progress('chunk_completed');
    return { spec, chunkNumber, result };
  } catch (error) {
    // A cancel or a run budget stops every candidate: that is the run's end, not one candidate's failure.
    if (env.signal.aborted) throw env.signal.reason;
    const code = isCorchError(error) ? error.code : 'E_RUN_FAILED';
    const message = error instanceof Error ? error.message : String(error);
    const agent = stageDefinition(spec.stage).agent;
    await run.ctx.emit({
      event: 'chunk_completed',
      data: {
        chunk_number: chunkNumber,
        agent,
        output: '',
        stage: spec.stage,
        usage: { input_tokens: 0, output_tokens: 0 },
        cost: 0,
        duration_ms: 0,
        iteration: spec.iteration,
        candidate: spec.candidate!,
        candidates: spec.candidates!,
        error: { code, message },
      },
    });
    await run.ctx.emit({
      event: 'system_message',
      data: {
        message: `${agent} candidate ${spec.candidate} (${chunkModel(spec, run.stages)}) failed (${code}): ${message} The stage goes on with the other candidates.`,
        level: 'warn',
      },
    });
    await run.chunkDone(chunkNumber, spec, null);
    await run.progress('chunk_completed');
    return { spec, chunkNumber, error };
  }
}

/** The Judge's chunk when a single candidate finished: it is the pick, and no model is called. */
async function emitTrivialJudge(run: PipelineRun, spec: ChunkSpec, chunkNumber: number, choice: number, reason: string): Promise<void> {
  const agent = stageDefinition('judge').agent;
  const who = { chunk_number: chunkNumber, agent, stage: spec.stage, candidates: spec.candidates! };
  await run.ctx.emit({
    event: 'chunk_started',
    data: {
      ...who,
      description: stageDefinition('judge').describe(spec.iteration),
      total_chunks: run.totalChunks(),
      iteration: spec.iteration,
      model: chunkModel(spec, run.stages),
    },
  });
  await run.ctx.emit({
    event: 'chunk_completed',
    data: {
      ...who,
      output: reason,
      usage: { input_tokens: 0, output_tokens: 0 },
      cost: 0,
      duration_ms: 0,
      iteration: spec.iteration,
      choice,
      reason,
    },
  });
  await run.chunkDone(chunkNumber, spec, null);
}
