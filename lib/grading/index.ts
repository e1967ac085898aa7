/** `proclab/grading`: the teacher's side — student versions of notebooks, grading in a fresh kernel, feedback. */
export { assignNotebook, type Manifest, type ManifestCell } from "./assign";
export { gradeSubmission, loadAssignment, type Assignment, type GradeOptions, type GradeOutcome } from "./grade";
export { findSubmissions, gradeBatch, type BatchResult, type Submission } from "./batch";
export { updateGradebook, type GradebookRow } from "./gradebook";
export { handout } from "./handout";
export { sandboxProblem, defaultLimits, type SandboxLimits } from "./sandbox";
export { scoreTable, feedbackMarkdown, feedbackHtml } from "./feedback";
export type { GradeReport, TestResult } from "./score";
export { readNotebook, writeNotebook, type Notebook, type NotebookCell } from "./notebook";
export { jupyterEnv, venvBin, registerTslabKernel } from "./jupyter";
