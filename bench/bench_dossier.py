"""`make bench`: verify a case of 10,000 dossier records and 1 GB of files, against `sha256sum`
on the same files (BENCH_QUICK: 1,000 records, 100 MB). Both from a warm page cache, best of three."""
import os
import subprocess
import time

from bench.common import metric


def _seed(n_records, n_files, mb):
    """A court, a case, a hearing: `n_files` files of `mb` MB and messages up to `n_records`
    records, all logged by the session hook as in production (commits of 1,000)."""
    from app.extensions import db
    from app.models import Case, Court, Hearing, Message, User, utcnow
    from app.services import storage
    court = Court(name=f"基准法院{os.getpid()}-{time.time_ns()}", code=f"B{time.time_ns() % 10**9}")
    judge = User(role="judge", name="基准法官", username=f"bench-judge-{time.time_ns()}", court=court)
    db.session.add_all([court, judge])
    db.session.flush()
    case = Case(court_id=court.id, kind="civil", state="hearing", filing_ref=f"BENCH-{time.time_ns()}",
                case_number=f"(2026){court.code}民初1号", title="基准案件", filed_by_id=judge.id)
    db.session.add(case)
    db.session.flush()
    hearing = Hearing(case_id=case.id, purpose="talk", opened_by_id=judge.id, title="基准")
    db.session.add(hearing)
    db.session.commit()
    block = os.urandom(1024 * 1024)
    paths = []
    for i in range(n_files):
        data = b"".join(block[j:] + block[:j] for j in range(i, i + mb))  # distinct files
        stored = storage.save_bytes(data, name=f"bench-{i}.bin", content_type="application/octet-stream", case=case)
        paths.append(str(storage.path_of(stored)))
        db.session.commit()
    # files + case number + messages = n_records
    n_messages = n_records - n_files - 1
    now = utcnow()
    for start in range(0, n_messages, 1000):
        db.session.add_all([Message(hearing_id=hearing.id, kind="text", author_id=judge.id, author_name="基准法官",
                                    author_role="judge", text=f"第{k}条记录", created_at=now)
                            for k in range(start, min(start + 1000, n_messages))])
        db.session.commit()
    return case.id, paths


def run(app, quick):
    from app.extensions import db
    from app.services import dossier
    # BENCH_QUICK keeps the proportion of rows to bytes: 1,000 records and 100 MB.
    n_records, n_files, mb = (1_000, 20, 5) if quick else (10_000, 100, 10)
    with app.app_context():
        t = time.perf_counter()
        case_id, paths = _seed(n_records, n_files, mb)
        seed_s = time.perf_counter() - t
        assert len(dossier.case_leaves(case_id)) == n_records
        dossier.sign_checkpoints()
        db.session.commit()

        def ours():
            t = time.perf_counter()
            problems = dossier.verify(case_id)
            assert not problems, problems[:5]
            db.session.rollback()
            return time.perf_counter() - t

        def theirs():
            t = time.perf_counter()
            subprocess.run(["sha256sum", *paths], check=True, capture_output=True)
            return time.perf_counter() - t
        ours(), theirs()  # both from the page cache
        t_ours = min(ours() for _ in range(3))
        t_theirs = min(theirs() for _ in range(3))
        for p in paths:
            os.unlink(p)
    total_mb = n_files * mb
    note = (f"{n_records:,} records ({n_files} files, {total_mb} MB{' (BENCH_QUICK)' if quick else ''}): "
            f"verify {t_ours:.2f} s ({total_mb / t_ours:.0f} MB/s incl. rows and the Merkle root), "
            f"sha256sum {t_theirs:.2f} s on the same files; seeding through the log took {seed_s:.1f} s; "
            f"value = ours / sha256sum")
    return [metric("dossier_verify_10k_records_1gb_vs_sha256sum", t_ours / t_theirs, "ratio", 1.5, True,
                   baseline=t_theirs, note=note),
            metric("dossier_verify_10k_records_seconds", t_ours, "s", None, note=f"sha256sum: {t_theirs:.2f} s")]


if __name__ == "__main__":  # python -m bench.bench_dossier: on the configured database
    from app import create_app
    from bench.common import QUICK
    for row in run(create_app(), QUICK):
        print(row)
