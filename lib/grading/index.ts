/** `proclab/grading`: the teacher's side — student versions of notebooks, grading in a fresh kernel, feedback. */
export { assignNotebook, type Manifest, type ManifestCell } from "./assign";
export { gradeSubmission, type GradeOptions, type GradeOutcome } from "./grade";
export { scoreTable, feedbackMarkdown } from "./feedback";
export type { GradeReport, TestResult } from "./score";
export { readNotebook, writeNotebook, type Notebook, type NotebookCell } from "./notebook";
export { jupyterEnv, venvBin, registerTslabKernel } from "./jupyter";
