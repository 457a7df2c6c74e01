"""TypeScript notebook kernel for segmenta.

A Jupyter wrapper kernel (ipykernel's documented ``Kernel`` subclass pattern):
this Python half speaks the Jupyter protocol, and a Node process started
through the project's own ``bin/run-ts.mjs`` (tsx, the loader the CLI runs on)
executes the cells -- see ``evaluator.ts`` and ``session.ts`` beside this file.
Cells therefore import ``../src/...ts`` with explicit extensions and ESM
exactly as the CLI does, on the project's Node and node_modules.

Python needs only Debian's ``python3-ipykernel``; nothing is installed from
PyPI and no npm package is added for the kernel.
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

from ipykernel.kernelapp import IPKernelApp
from ipykernel.kernelbase import Kernel

ROOT = Path(os.environ.get("SEGMENTA_ROOT") or Path(__file__).resolve().parents[2])
EVALUATOR = ROOT / "notebooks" / "kernel" / "evaluator.ts"
RUN_TS = ROOT / "bin" / "run-ts.mjs"


class NodeSession:
    """The Node process that runs the cells, and its message pipe."""

    def __init__(self, cwd):
        node = os.environ.get("SEGMENTA_NODE") or shutil.which("node")
        if not node:
            raise RuntimeError("node was not found on PATH; install Node 20+ or set SEGMENTA_NODE to its path")
        read_fd, write_fd = os.pipe()
        env = dict(os.environ, SEGMENTA_KERNEL_FD=str(write_fd))
        self.process = subprocess.Popen(
            [node, str(RUN_TS), str(EVALUATOR)],
            stdin=subprocess.PIPE,
            cwd=cwd,
            env=env,
            pass_fds=(write_fd,),
        )
        os.close(write_fd)
        self.messages = os.fdopen(read_fd, "r", encoding="utf-8")
        ready = self.read()
        if ready is None or ready.get("type") != "ready":
            code = self.process.wait(timeout=10)
            raise RuntimeError(f"the Node evaluator did not start (exit code {code}); is `npm install` done in {ROOT}?")

    def read(self):
        line = self.messages.readline()
        return json.loads(line) if line else None

    def send(self, request):
        self.process.stdin.write((json.dumps(request) + "\n").encode("utf-8"))
        self.process.stdin.flush()

    def alive(self):
        return self.process.poll() is None

    def stop(self):
        if self.alive():
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.messages.close()


class SegmentaTypeScriptKernel(Kernel):
    implementation = "segmenta-typescript"
    implementation_version = "1.0"
    language = "typescript"
    language_version = "5"
    language_info = {
        "name": "typescript",
        "mimetype": "text/typescript",
        "file_extension": ".ts",
        "codemirror_mode": {"name": "javascript", "typescript": True},
        "pygments_lexer": "typescript",
    }
    banner = "TypeScript for segmenta (Node + tsx); cells import ../src/*.ts"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.node = None
        self.requests = 0

    def _session(self):
        # Started on the first cell, not at kernel start, so kernel_info answers at once.
        if self.node is None or not self.node.alive():
            self.node = NodeSession(os.getcwd())
        return self.node

    def _error(self, ename, evalue, traceback, silent):
        if not silent:
            self.send_response(self.iopub_socket, "error", {"ename": ename, "evalue": evalue, "traceback": traceback})
        return {"status": "error", "execution_count": self.execution_count, "ename": ename, "evalue": evalue, "traceback": traceback}

    def do_execute(self, code, silent, store_history=True, user_expressions=None, allow_stdin=False):
        if not code.strip():
            return {"status": "ok", "execution_count": self.execution_count, "payload": [], "user_expressions": {}}
        try:
            node = self._session()
        except Exception as error:  # noqa: BLE001 -- shown to the user as the cell's error
            return self._error("KernelError", str(error), [f"KernelError: {error}"], silent)
        self.requests += 1
        request_id = str(self.requests)
        error = None
        message = {}
        try:
            node.send({"id": request_id, "code": code})
            while True:
                message = node.read()
                if message is None:
                    code_ = node.process.wait()
                    self.node = None
                    text = f"the Node process ended while running the cell (exit code {code_}); the next cell starts a fresh session"
                    return self._error("KernelError", text, [f"KernelError: {text}"], silent)
                if message.get("id") != request_id:
                    continue
                kind = message["type"]
                if kind == "done":
                    break
                if kind == "error":
                    error = message
                if silent:
                    continue
                if kind == "stream":
                    self.send_response(self.iopub_socket, "stream", {"name": message["name"], "text": message["text"]})
                elif kind == "display":
                    self.send_response(self.iopub_socket, "display_data", {"data": message["data"], "metadata": {}})
                elif kind == "result":
                    self.send_response(
                        self.iopub_socket,
                        "execute_result",
                        {"execution_count": self.execution_count, "data": message["data"], "metadata": {}},
                    )
                elif kind == "error":
                    self.send_response(
                        self.iopub_socket,
                        "error",
                        {"ename": message["ename"], "evalue": message["evalue"], "traceback": message["traceback"]},
                    )
        except KeyboardInterrupt:
            node.stop()
            self.node = None
            text = "interrupted; the TypeScript session was restarted, so earlier cells must run again"
            return self._error("KeyboardInterrupt", text, [f"KeyboardInterrupt: {text}"], silent)
        if message.get("status") == "error" and error is not None:
            # The error message itself was already published above; the reply repeats its fields.
            return {
                "status": "error",
                "execution_count": self.execution_count,
                "ename": error["ename"],
                "evalue": error["evalue"],
                "traceback": error["traceback"],
            }
        return {"status": "ok", "execution_count": self.execution_count, "payload": [], "user_expressions": {}}

    def do_shutdown(self, restart):
        if self.node is not None:
            self.node.stop()
            self.node = None
        return {"status": "ok", "restart": restart}


if __name__ == "__main__":
    IPKernelApp.launch_instance(kernel_class=SegmentaTypeScriptKernel)
