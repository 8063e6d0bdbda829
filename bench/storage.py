"""Storage benchmark: object throughput against ``mc cp``, portal query latency on PostgreSQL.

1. Put/get throughput of 1 MB objects into a lock-enabled, SSE-S3 bucket of a
   throw-away MinIO: our ``ObjectStore`` (the minio SDK, one object at a time,
   COMPLIANCE retention on every put) against ``mc cp --recursive`` of the same
   files in the same run. Medians over ``--rounds``; ratio = ours / mc (target ≥ 0.8).
2. Portal query latency on a throw-away PostgreSQL catalog bulk-loaded with
   COPY (``--docs``, default 1,000,000): the exact query ``Catalog.find`` issues
   (``storage.catalog.find_query``), timed inside the database with
   ``EXPLAIN (ANALYZE)`` and end to end through ``Catalog.find`` (target p99 ≤ 5 ms
   in the database).
3. ``reindex`` of a catalog of ``--reindex-docs`` stored documents (unsigned
   manifests, SQLite catalog): manifests read one at a time (``readers=1``, the
   former implementation) against the thread pool (``READERS``); for scale, ``mc cp
   --recursive`` of the whole ``documents/`` prefix (PDFs and manifests, twice the
   objects) in the same run.

    .venv/bin/python -m bench.storage [--objects 40] [--rounds 3] [--docs 1000000] [--queries 1000]
                                      [--reindex-docs 3000] [--skip-objects] [--skip-catalog] [--skip-reindex]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import sqlalchemy as sa
from minio import Minio
from sqlalchemy.dialects import postgresql

from sohoa.model import Decision, DocType, DocumentMeta, Extraction, Field, SignedDocument, Source
from sohoa.settings import PROJECT_ROOT, load_settings
from sohoa.tools import run
from storage import Storage, consistency, open_storage
from storage.catalog import Catalog, find_query
from storage.local_minio import MinioServer, free_port
from storage.local_postgres import PostgresServer
from storage.objects import COMPLIANCE, ObjectStore

MB = 1 << 20
USER, SECRET = "bench-admin", "bench-secret-key"
COLUMNS = ("id", "doc_type", "owner_id", "owner_name", "procedure_code", "issue_date", "valid_until", "status",
           "fields", "sha256", "extraction_sha256", "pdf_key", "manifest_key", "signer", "signed_at")


def _seconds(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


# --- 1. object throughput -------------------------------------------------------------


def _mc(endpoint: str, *args: str) -> None:
    env = {**os.environ, "MC_HOST_bench": f"http://{USER}:{SECRET}@{endpoint}", "MC_CONFIG_DIR": tempfile.mkdtemp()}
    run([PROJECT_ROOT / "bin" / "mc", "--quiet", "--no-color", *args], timeout=600, env=env)


def _round(objects: ObjectStore, endpoint: str, files: list[Path], bucket: str, work: Path, n: int) -> dict[str, float]:
    """One round: ours put/get, then mc cp up and down, each over the same files; MB/s."""
    payloads = [f.read_bytes() for f in files]
    total = float(len(files))  # MB

    def ours_put() -> None:
        for i, data in enumerate(payloads):
            objects.put_bytes(bucket, f"ours/{n}/{i}", data, mode=COMPLIANCE, days=1, content_type="application/octet-stream")

    def ours_get() -> None:
        for i in range(len(payloads)):
            objects.get_bytes(bucket, f"ours/{n}/{i}")

    down = work / f"down-{n}"
    return {
        "ours_put": total / _seconds(ours_put),
        "ours_get": total / _seconds(ours_get),
        "mc_put": total / _seconds(lambda: _mc(endpoint, "cp", "--recursive", f"{files[0].parent}/", f"bench/{bucket}/mc/{n}/")),
        "mc_get": total / _seconds(lambda: _mc(endpoint, "cp", "--recursive", f"bench/{bucket}/mc/{n}/", f"{down}/")),
    }


def bench_objects(count: int, rounds: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="bench-minio-") as tmp:
        work = Path(tmp)
        server = MinioServer.start(bin_dir=PROJECT_ROOT / "bin", data_dir=work / "data", port=free_port(),
                                   access_key=USER, secret_key=SECRET)
        try:
            objects = ObjectStore(Minio(server.endpoint, access_key=USER, secret_key=SECRET, secure=False))
            objects.ensure_bucket("bench", COMPLIANCE, 1)
            (work / "src").mkdir()
            files = [work / "src" / f"{i:04d}.bin" for i in range(count)]
            for f in files:
                f.write_bytes(os.urandom(MB))
            results = [_round(objects, server.endpoint, files, "bench", work, n) for n in range(rounds)]
        finally:
            server.stop()
    return {key: statistics.median(r[key] for r in results) for key in results[0]}


# --- 2. portal query latency ----------------------------------------------------------

TYPES = [DocType.CCCD_FRONT, DocType.CCCD_BACK, DocType.BIRTH_CERTIFICATE, DocType.BUSINESS_REGISTRATION,
         DocType.ADMINISTRATIVE_DOCUMENT]


def _owner(i: int) -> str:
    return f"0{(79301000000 + i * 7919) % 100_000_000_000:011d}"


def _rows(docs: int, owners: int) -> Iterator[tuple[object, ...]]:
    """Synthetic documents: ~3 per owner, 10 % superseded, 1 % revoked, validity spread over 2020-2045."""
    rng = random.Random(5)
    base = datetime(2020, 1, 1, tzinfo=timezone.utc)
    for i in range(docs):
        owner = _owner(rng.randrange(owners))
        kind = rng.choice(TYPES)
        roll = rng.random()
        status = "revoked" if roll < 0.01 else "superseded" if roll < 0.11 else "active"
        signed = base + timedelta(seconds=rng.randrange(6 * 365 * 86400))
        until = date(2020, 1, 1) + timedelta(days=rng.randrange(25 * 365)) if kind.startswith("cccd") else None
        fields = json.dumps({"id_number": owner, "full_name": "NGUYỄN VĂN A"}, ensure_ascii=False)
        doc_id = f"{i:032x}"
        yield (doc_id, kind.value, owner, "NGUYỄN VĂN A", "1.001", signed.date(), until, status, fields, "a" * 64,
               "b" * 64, f"documents/{signed:%Y}/{doc_id}/signed.pdf", f"documents/{signed:%Y}/{doc_id}/manifest.json",
               "SỞ TƯ PHÁP", signed.replace(tzinfo=None))


def _load(catalog: Catalog, docs: int, owners: int) -> float:
    """COPY the synthetic rows in, then ANALYZE; returns seconds."""
    start = time.perf_counter()
    raw = catalog.engine.raw_connection()
    try:
        with raw.cursor() as cursor:
            with cursor.copy(f"COPY documents ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for row in _rows(docs, owners):
                    copy.write_row(row)
            cursor.execute("ANALYZE documents")
        raw.commit()
    finally:
        raw.close()
    return time.perf_counter() - start


def _portal_query(rng: random.Random, owners: int) -> dict[str, object]:
    kind = rng.choice([None, *TYPES])
    return {"owner_id": _owner(rng.randrange(owners)), "doc_type": kind, "valid_on": date(2026, 11, 23)}


def _explain_ms(catalog: Catalog, params: dict[str, object]) -> float:
    sql = str(find_query(**params).compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
    with catalog.engine.connect() as conn:
        plan = conn.execute(sa.text(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")).scalar()
    return float(plan[0]["Execution Time"])


def bench_catalog(docs: int, queries: int) -> dict[str, float]:
    owners = max(1, docs // 3)
    with tempfile.TemporaryDirectory(prefix="bench-pg-") as tmp:
        os.chmod(tmp, 0o755)
        server = PostgresServer.start(Path(tmp), free_port())
        try:
            catalog = Catalog.open(server.url)
            load_s = _load(catalog, docs, owners)
            rng = random.Random(11)
            samples = [_portal_query(rng, owners) for _ in range(queries)]
            for params in samples[:50]:  # warm the cache as a running portal would be
                catalog.find(**params)  # type: ignore[arg-type]
            in_db = [_explain_ms(catalog, p) for p in samples]
            end_to_end = [_seconds(lambda p=p: catalog.find(**p)) * 1000 for p in samples]  # type: ignore[misc]
            catalog.close()
        finally:
            server.stop()
    return {"load_s": load_s, "db_p50": _percentile(in_db, 50), "db_p99": _percentile(in_db, 99),
            "e2e_p50": _percentile(end_to_end, 50), "e2e_p99": _percentile(end_to_end, 99)}


# --- 3. reindex -----------------------------------------------------------------------


def _store_one(store: Storage, work: Path, i: int) -> None:
    """One small administrative document (no supersession lookups), stored the way the flows store."""
    pdf = work / f"{i:06d}.pdf"
    pdf.write_bytes(b"%PDF-1.7\n% bench document " + str(i).encode() + b"\n%%EOF\n")
    values = {"document_number": f"{i}/QD-UBND", "issuer": "UBND", "subject": f"Quyết định số {i}"}
    extraction = Extraction(DocType.ADMINISTRATIVE_DOCUMENT, Decision.AUTO_APPROVED,
                            {k: Field(k, v, 0.99, Source.OCR) for k, v in values.items()})
    signed = SignedDocument(pdf, hashlib.sha256(pdf.read_bytes()).hexdigest(), extraction.sha256(), "SỞ TƯ PHÁP",
                            datetime.now(timezone.utc).replace(microsecond=0), "B-LT")
    store.store_signed(signed, extraction, DocumentMeta(procedure_code="1.001"), hashlib.sha256(b"%d" % i).hexdigest())


def _reindex_seconds(store: Storage, readers: int) -> float:
    bucket = store.settings.bucket_documents
    return _seconds(lambda: consistency.reindex(store.objects, bucket, store.catalog, None, readers))


def bench_reindex(docs: int, rounds: int) -> dict[str, float]:
    """Store ``docs`` documents, then rebuild their catalog sequentially and pooled, alternating,
    ``rounds`` times each (medians), and copy them once with mc."""
    with tempfile.TemporaryDirectory(prefix="bench-reindex-") as tmp:
        work = Path(tmp)
        server = MinioServer.start(bin_dir=PROJECT_ROOT / "bin", data_dir=work / "data", port=free_port(),
                                   access_key=USER, secret_key=SECRET)
        settings = load_settings(var_dir=work / "var", s3_endpoint=server.endpoint, s3_access_key=USER,
                                 s3_secret_key=SECRET, retention_days_signed=1, retention_days_draft=1)
        try:
            with open_storage(settings, sign=False) as store:
                (work / "pdf").mkdir()
                with ThreadPoolExecutor(max_workers=consistency.READERS) as pool:
                    list(pool.map(lambda i: _store_one(store, work / "pdf", i), range(docs)))
                timings = [(_reindex_seconds(store, 1), _reindex_seconds(store, consistency.READERS)) for _ in range(rounds)]
                assert len(store.catalog.ids()) == docs
            mc = _seconds(lambda: _mc(server.endpoint, "cp", "--recursive",
                                      f"bench/{settings.bucket_documents}/documents/", f"{work / 'down'}/"))
        finally:
            server.stop()
    return {"sequential": statistics.median(t[0] for t in timings), "pooled": statistics.median(t[1] for t in timings),
            "mc": mc}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=40, help="1 MB objects per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--docs", type=int, default=1_000_000, help="catalog size for the query benchmark")
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--skip-objects", action="store_true")
    parser.add_argument("--skip-catalog", action="store_true")
    parser.add_argument("--reindex-docs", type=int, default=3000, help="stored documents for the reindex benchmark")
    parser.add_argument("--skip-reindex", action="store_true")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} CPUs (shared; figures taken on a loaded machine)")
    if not args.skip_objects:
        o = bench_objects(args.objects, args.rounds)
        print(f"\n1 MB objects × {args.objects}, median of {args.rounds} rounds (MB/s)")
        print(f"{'':6} {'sohoa (minio SDK)':>18} {'mc cp':>10} {'ratio':>7}")
        for op in ("put", "get"):
            print(f"{op:6} {o['ours_' + op]:18.1f} {o['mc_' + op]:10.1f} {o['ours_' + op] / o['mc_' + op]:7.2f}")
    if not args.skip_catalog:
        c = bench_catalog(args.docs, args.queries)
        print(f"\nPostgreSQL catalog of {args.docs:,} documents: COPY + ANALYZE {c['load_s']:.1f} s; {args.queries} portal queries")
        print(f"in the database (EXPLAIN ANALYZE): p50 {c['db_p50']:.3f} ms, p99 {c['db_p99']:.3f} ms (target p99 ≤ 5 ms)")
        print(f"end to end (Catalog.find, SQLAlchemy): p50 {c['e2e_p50']:.3f} ms, p99 {c['e2e_p99']:.3f} ms")
    if not args.skip_reindex:
        r = bench_reindex(args.reindex_docs, args.rounds)
        n = args.reindex_docs
        print(f"\nreindex of {n:,} documents (SQLite catalog, unsigned manifests), median of {args.rounds}, s (documents/s)")
        print(f"one manifest at a time (readers=1): {r['sequential']:.1f} s ({n / r['sequential']:.0f}/s)")
        print(f"pooled (readers={consistency.READERS}), bulk insert: {r['pooled']:.1f} s ({n / r['pooled']:.0f}/s), "
              f"speed-up {r['sequential'] / r['pooled']:.2f}×")
        print(f"peer, for scale: mc cp --recursive of documents/ ({2 * n:,} objects): {r['mc']:.1f} s")


if __name__ == "__main__":
    main()
