"""Read an uploaded file in a process of its own, within a whole-document budget, cancellable.

The page budget of `pdf_reader` bounds one page, not a document: a 4.1 MB PDF of 1,000 simple
pages took 2.35 GB and about 75 minutes of CPU in the server's own process, and went on after
its sender had gone. Here the file is read by a child process (forkserver: a clean, small
process, not a copy of the server) under operating-system limits: CPU seconds and address space
(`Budget`). The server's threads only wait on it; it is killed when its budget runs out, when
its wall time is up, or when `cancelled` is set (the client hung up), and the staff member is
told which limit stopped it.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import resource
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from ingest.chunk import Document
from ingest.errors import DocumentRejected
from ingest.loader import load_document

POLL_SECONDS = 0.1  # how often a waiting thread looks at its cancel flag


@dataclass(frozen=True)
class Budget:
    """What reading one uploaded file may cost."""

    cpu_seconds: int
    memory_bytes: int

    @property
    def wall_seconds(self) -> float:
        """Waiting on a child that gets little CPU (a busy server) is bounded too."""
        return 3.0 * self.cpu_seconds + 10.0


class Cancelled(DocumentRejected):
    """The reading was stopped because nobody waits for it any more."""


def _context() -> multiprocessing.context.ForkServerContext | multiprocessing.context.SpawnContext:
    """forkserver where it exists (Linux): a child forked from a small server that imported
    `ingest` once, so each upload starts in milliseconds without copying the API's memory."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["ingest.loader"])
        return context
    return multiprocessing.get_context("spawn")


def _read(connection: Connection, name: str, data: bytes, budget: Budget) -> None:
    """The child: set its limits, read, send back the document or why not. Whatever fails, even
    pickling a large result at the edge of the memory budget, ends in a reason or a silent exit
    (a traceback in the server's log says nothing the staff member is not told)."""
    resource.setrlimit(resource.RLIMIT_CPU, (budget.cpu_seconds, budget.cpu_seconds + 1))
    resource.setrlimit(resource.RLIMIT_AS, (budget.memory_bytes, budget.memory_bytes))
    try:
        payload = pickle.dumps(load_document(Path(name), data))
    except DocumentRejected as rejected:  # its reason: an exception with two arguments does not unpickle
        payload = pickle.dumps(rejected.reason)
    except MemoryError:
        payload = pickle.dumps(f"budget de mémoire dépassé ({budget.memory_bytes // 2**20} Mo) ; découpez-le")
    except Exception as error:  # a reader's bug on a hostile file: refused, not a crash
        payload = pickle.dumps(f"contenu illisible ({type(error).__name__})")
    try:
        connection.send_bytes(payload)
        connection.close()
    except (MemoryError, OSError):
        os._exit(1)


def read_within_budget(name: str, data: bytes, budget: Budget, cancelled: threading.Event | None = None) -> Document:
    """`load_document(name, data)` in a child process within `budget`; raises `DocumentRejected`
    naming the limit that stopped it, or `Cancelled` once `cancelled` is set."""
    context = _context()
    receiving, sending = context.Pipe(duplex=False)
    child = context.Process(target=_read, args=(sending, name, data, budget), name="ingest-worker", daemon=True)
    child.start()
    sending.close()
    deadline = time.monotonic() + budget.wall_seconds
    try:
        while not receiving.poll(POLL_SECONDS):
            if cancelled is not None and cancelled.is_set():
                raise Cancelled(name, "lecture interrompue : le client s'est déconnecté")
            if not child.is_alive() and not receiving.poll(0):
                raise DocumentRejected(name, _why_it_died(child.exitcode, budget))
            if time.monotonic() > deadline:
                raise DocumentRejected(name, f"lecture trop longue (plus de {budget.wall_seconds:.0f} s) ; découpez-le")
        try:
            result = pickle.loads(receiving.recv_bytes())  # noqa: S301 (our own child's bytes)
        except EOFError as error:  # died while sending
            child.join(1)
            raise DocumentRejected(name, _why_it_died(child.exitcode, budget)) from error
    finally:
        if child.is_alive():
            child.kill()
        child.join(5)
        receiving.close()
    if isinstance(result, str):
        raise DocumentRejected(name, result)
    return result


def _why_it_died(exitcode: int | None, budget: Budget) -> str:
    """A child killed by its CPU limit gets SIGXCPU (or SIGKILL past the hard limit); one out of
    address space usually dies inside the allocator."""
    import signal

    if exitcode in (-signal.SIGXCPU, -signal.SIGKILL):
        return f"budget de calcul dépassé ({budget.cpu_seconds} s de CPU) ; découpez-le"
    return f"budget de mémoire dépassé ({budget.memory_bytes // 2**20} Mo) ou lecture interrompue (code {exitcode})"
