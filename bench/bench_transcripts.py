"""Transcript of a 1,000-message hearing, end to end: read the events, build, render, file.

    python -m bench.bench_transcripts        # prints JSON metric rows

Uses its own SQLite database and file store under a temporary folder (or BENCH_TRANSCRIPT_DB), so it
measures the documents code, not the state of another run. The font is preloaded first, as the
RQ workers do before forking.
"""
import json
import tempfile
import time
from pathlib import Path

from bench.common import metric

MESSAGES = 1000
GOAL_SECONDS = 2.0
TEXTS = ["原告主张被告于2026年3月收货后至今未支付货款，请求判令被告支付货款人民币100,000元及逾期付款利息。",
         "被告辩称，所供货物存在严重质量问题，已于收货后七日内书面提出异议，不应支付剩余货款。",
         "审判员：请原告说明合同约定的验收标准和验收期限，并提交相应证据。"]


def run(messages=MESSAGES, db_url=None):
    from app import create_app
    from app.config import Config
    tmp = Path(tempfile.mkdtemp(prefix="bench-transcript-"))

    class BenchConfig(Config):
        SQLALCHEMY_DATABASE_URI = db_url or f"sqlite:///{tmp / 'bench.db'}"
        STORAGE = str(tmp / "files")
        SECRET_KEY = "bench"
        REDIS_URL = None
        SMS_GATEWAY = "outbox"

    app = create_app(BenchConfig)
    with app.app_context():
        from app.extensions import db
        from app.models import Case, CaseParty, Court, User
        from app.services import pdf, transcripts
        from app.services.events import record_event
        db.create_all()
        pdf.preload()
        court = Court(name="上海市黄浦区人民法院", code="沪0101")
        judge = User(role="judge", name="张俊", username="bench-judge", court=court)
        people = [User(role="litigant", name=n, phone=f"1380000{i:04d}") for i, n in enumerate(("王芳", "陈强"))]
        db.session.add_all([court, judge, *people])
        db.session.flush()
        case = Case(court_id=court.id, kind="commercial", state="hearing", filing_ref="LA-BENCH-1",
                    case_number="(2026)沪0101民初9999号", title="王芳诉陈强买卖合同纠纷", filed_by_id=people[0].id)
        case.parties = [CaseParty(role=r, name=u.name, user_id=u.id, phone=u.phone)
                        for r, u in zip(("plaintiff", "defendant"), people)]
        db.session.add(case)
        db.session.flush()
        hid = 1
        record_event(case, judge, "hearing_opened", hearing_id=hid, purpose="trial", mode="async", title="庭审")
        for u, role in ((judge, "judge"), (people[0], "plaintiff"), (people[1], "defendant")):
            record_event(case, judge, "participant_added", hearing_id=hid, user_id=u.id, name=u.name, role=role)
        roles = [(judge, "judge"), (people[0], "plaintiff"), (people[1], "defendant")]
        for i in range(messages):
            u, role = roles[i % 3]
            record_event(case, u, "message_posted", hearing_id=hid, message_id=i + 1, author_id=u.id,
                         author_name=u.name, author_role=role, text=TEXTS[i % 3], reply_to_message_id=None,
                         evidence_ids=[], exhibits=[])
        record_event(case, judge, "hearing_closed", hearing_id=hid)
        db.session.commit()
        t_wall, t_cpu = time.perf_counter(), time.process_time()
        version = transcripts.render_draft(hid)
        db.session.commit()
        wall, cpu = time.perf_counter() - t_wall, time.process_time() - t_cpu
        size = version.file.size
        t_again = time.perf_counter()
        again = transcripts.render_draft(hid)  # idempotent rerun: finds the same version
        rerun = time.perf_counter() - t_again
        assert again.id == version.id
        db.session.rollback()
    note = f"{messages} message events -> {size / 1e6:.2f} MB PDF, SQLite; rerun (no new document) {rerun:.2f} s"
    return [metric("transcript_1000_messages.wall", wall, "s", GOAL_SECONDS, baseline=cpu,
                   note=note + "; baseline: CPU seconds"),
            metric("transcript_1000_messages.size", size / 1e6, "MB", 1.5)]


if __name__ == "__main__":
    for row in run():
        print(json.dumps(row, ensure_ascii=False))
