import { SegmentaError } from '../src/errors.ts';
import type { Progress } from '../src/cli/progress.ts';

/**
 * A named step of a pipeline. It declares which catalog entries it reads and
 * which it writes; the runner hands it exactly its inputs and stores exactly
 * its outputs, so the stage list reads as the data flow.
 */
export interface Stage<C, I extends keyof C = keyof C, O extends keyof C = keyof C> {
  name: string;
  /** One line on what the stage does (shown by `--explain-stages` and in docs). */
  description: string;
  inputs: readonly I[];
  outputs: readonly O[];
  run(inputs: Pick<C, I>, context: StageContext): Promise<Pick<C, O>>;
}

/** What every stage gets besides its inputs. */
export interface StageContext {
  progress: Progress;
  /** Milliseconds of the stages finished so far (publish writes them into the manifest). */
  timingsMs: Record<string, number>;
  /** When the pipeline started. */
  startedAt: Date;
}

/** Declares a stage with its input and output names checked against the catalog type. */
export function defineStage<C>() {
  return <I extends keyof C, O extends keyof C>(stage: Stage<C, I, O>): Stage<C, I, O> => stage;
}

/** A stage that failed unexpectedly; carries the stage name for the message. */
export class StageError extends Error {
  constructor(
    readonly stage: string,
    cause: unknown,
  ) {
    super(`stage ${stage} failed: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = 'StageError';
  }
}

/** The result of a pipeline run: the filled catalog and each stage's time. */
export interface PipelineResult<C> {
  catalog: Partial<C>;
  timingsMs: Record<string, number>;
}

/**
 * Runs stages in order: checks each stage's inputs are present, times it,
 * reports progress, and stores its declared outputs (and only those).
 * User-facing errors pass through unchanged; anything else is wrapped with
 * the stage's name.
 */
export async function runPipeline<C>(
  stages: readonly Stage<C, any, any>[],
  initial: Partial<C>,
  context: Omit<StageContext, 'timingsMs' | 'startedAt'>,
): Promise<PipelineResult<C>> {
  const catalog: Partial<C> = { ...initial };
  const timingsMs: Record<string, number> = {};
  const stageContext: StageContext = { ...context, timingsMs, startedAt: new Date() };
  for (const [index, stage] of stages.entries()) {
    const inputs: Partial<C> = {};
    for (const name of stage.inputs) {
      if (!(name in catalog)) throw new StageError(stage.name, new Error(`input ${String(name)} was not produced by an earlier stage`));
      inputs[name as keyof C] = catalog[name as keyof C];
    }
    context.progress.stageStarted(stage.name, index, stages.length);
    const started = performance.now();
    let outputs: Partial<C>;
    try {
      outputs = (await stage.run(inputs as Pick<C, any>, stageContext)) as Partial<C>;
    } catch (error) {
      context.progress.stageFailed(stage.name);
      if (error instanceof SegmentaError) throw error;
      throw new StageError(stage.name, error);
    }
    const elapsed = Math.round(performance.now() - started);
    timingsMs[stage.name] = elapsed;
    for (const name of stage.outputs) {
      if (!(name in outputs)) throw new StageError(stage.name, new Error(`declared output ${String(name)} was not produced`));
      catalog[name as keyof C] = outputs[name as keyof C];
    }
    context.progress.stageFinished(stage.name, elapsed);
  }
  return { catalog, timingsMs };
}
