export { runPython, pythonExecutable, type PythonRun, type PythonLine, type PythonRunOptions } from "./run";
export { pythonDaemonDemo, pythonTicketRush, type PythonDaemonResult, type PythonTicketTrial } from "./article";
export { pythonLockHolderDies, type PythonLockHolderDiesOptions, type PythonLockHolderDiesResult } from "./holder-dies";
