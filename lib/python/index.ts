export { runPython, pythonExecutable, type PythonRun, type PythonLine, type PythonRunOptions } from "./run";
export { pythonDaemonDemo, pythonTicketRush, ARTICLE_DAEMON_PY, ARTICLE_TICKETS_PY, type PythonDaemonResult, type PythonTicketTrial } from "./article";
export { pythonLockHolderDies, PYTHON_LOCK_HOLDER_DIES_PY, type PythonLockHolderDiesOptions, type PythonLockHolderDiesResult } from "./holder-dies";
