#!/usr/bin/env python3
"""Runs a command in a pseudo-terminal and plays a little script against it.

Usage: run-in-pty.py '<spec as JSON>'

  {
    "argv": ["node", "--import", "tsx", "prog.ts"],
    "cwd": "/path", "env": {"USER": "alice"},         (optional; env is merged into os.environ)
    "steps": [{"expect": "^\\[y\\] approve", "send": "y\\r"}],
    "timeout": 10,                                      (seconds for the whole run, default 10)
    "cols": 100, "rows": 30
  }

Each step waits until the regular expression `expect` (Python syntax, multiline) matches the
screen output produced since the previous step's match (with the terminal's CRLF read as LF), then types `send` (optional) as a person
would: Enter is "\\r". After the last step it reads until the program exits. Prints one JSON object:

  {"transcript": "...", "exitCode": 0, "signal": null, "timedOut": false, "failedStep": null,
   "steps": [{"matchedAtMs": 412}], "exitedAtMs": 530}

`timedOut` is true when the deadline passed (a step never matched, or the program never exited);
the program is then killed. Times are milliseconds since the program started.
"""
import json
import os
import pty
import re
import select
import signal
import struct
import sys
import time

try:
    import fcntl
    import termios
except ImportError:  # pragma: no cover - POSIX only
    fcntl = termios = None


def main() -> int:
    spec = json.loads(sys.argv[1])
    argv = spec['argv']
    env = dict(os.environ)
    env.update(spec.get('env') or {})
    steps = spec.get('steps') or []
    deadline_s = float(spec.get('timeout', 10))

    started = time.monotonic()
    pid, fd = pty.fork()
    if pid == 0:  # the child: its stdin, stdout and stderr are the terminal
        try:
            if spec.get('cwd'):
                os.chdir(spec['cwd'])
            os.execvpe(argv[0], argv, env)
        finally:
            os._exit(127)

    if fcntl is not None:
        rows, cols = int(spec.get('rows', 30)), int(spec.get('cols', 100))
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', rows, cols, 0, 0))

    def elapsed_ms() -> int:
        return int((time.monotonic() - started) * 1000)

    output = bytearray()
    cursor = 0  # where the next step starts looking
    step_index = 0
    step_results = []
    eof = False
    timed_out = False

    def advance() -> None:
        nonlocal cursor, step_index
        while step_index < len(steps):
            step = steps[step_index]
            text = output.decode('utf-8', errors='replace').replace('\r\n', '\n')
            match = re.compile(step['expect'], re.MULTILINE).search(text, cursor)
            if not match:
                return
            cursor = match.end()
            step_results.append({'matchedAtMs': elapsed_ms()})
            if step.get('delayMs'):
                time.sleep(step['delayMs'] / 1000)
            if step.get('send'):
                os.write(fd, step['send'].encode('utf-8'))
            step_index += 1

    while not eof:
        remaining = deadline_s - (time.monotonic() - started)
        if remaining <= 0:
            timed_out = True
            break
        ready, _, _ = select.select([fd], [], [], remaining)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO: every process holding the terminal has gone
            chunk = b''
        if not chunk:
            eof = True
        else:
            output.extend(chunk)
        advance()

    exited_at = None
    if timed_out:
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        _, status = os.waitpid(pid, 0)
    else:
        _, status = os.waitpid(pid, 0)
        exited_at = elapsed_ms()
    os.close(fd)

    result = {
        'transcript': output.decode('utf-8', errors='replace'),
        'exitCode': os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
        'signal': os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
        'timedOut': timed_out,
        'failedStep': step_index if step_index < len(steps) else None,
        'steps': step_results,
        'exitedAtMs': exited_at,
    }
    sys.stdout.write(json.dumps(result))
    return 0


if __name__ == '__main__':
    sys.exit(main())
