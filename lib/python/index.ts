export { runPython, pythonExecutable, type PythonRun, type PythonLine, type PythonRunOptions } from "./run";
export { pythonDaemonDemo, pythonTicketRush, type PythonDaemonResult, type PythonTicketTrial } from "./article";
export { pythonLockHolderDies, type PythonLockHolderDiesOptions, type PythonLockHolderDiesResult } from "./holder-dies";
export { pythonLockCalls, type PythonLockCall, type PythonLockCallsResult } from "./lock-calls";
export { pythonDaemonRules, type PythonDaemonRules } from "./daemon-rules";
