"""The idle poll's fast path: a per-hearing version counter, and a short-lived pass per sign-in session.

A room polls every 2-5 s and almost every poll finds nothing new. After a poll has gone through the
whole room gate (sign-in, participation, consent, face admission) and answered with an ETag, the
pass is remembered for PASS_SECONDS under (session token, hearing, `after`) with the hearing's
version at that moment. The next poll that sends the same ETag is answered 304 Not Modified before
any view or query runs, if the hearing's version has not moved and the pass has not expired.

Versions move after each commit that touched the hearing (a message, item, exhibit, participant,
the hearing row itself); a change that can take someone's access away anywhere (consent, a revoked
or re-checked sign-in session, an account) moves the global version, which ends every pass. So a
pass outlives a change of access by no more than the commit: PASS_SECONDS only bounds how long a
pass lives without one (presence, "last seen", is refreshed by the slow path at least that often).

The counters and passes live in Redis when it is configured (every app server sees them), and in
this process otherwise (development, tests). A Redis error only turns the fast path off.
"""
import hashlib
import json
import logging
import threading
import time

from flask import current_app, g, make_response, request, session
from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger("microcourt.poll")
PASS_SECONDS = 10
POLL_ENDPOINT = "hearings.poll"
_local = {}
_local_lock = threading.Lock()
_now = time.monotonic


# --- the store: Redis or this process ----------------------------------------------------------

def _redis():
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    from app.services.queue import redis_client
    return redis_client(url)


def _get_many(keys):
    r = _redis()
    if r is None:
        now = _now()
        with _local_lock:
            values = []
            for k in keys:
                value, expires = _local.get(k, (None, None))
                values.append(value if expires is None or expires > now else None)
            return values
    return [v.decode() if isinstance(v, bytes) else v for v in r.mget(keys)]


def _set(key, value, seconds):
    r = _redis()
    if r is None:
        with _local_lock:
            _local[key] = (value, _now() + seconds)
        return
    r.set(key, value, ex=seconds)


def _incr(keys):
    r = _redis()
    if r is None:
        with _local_lock:
            for k in keys:
                value, _expires = _local.get(k, (0, None))
                _local[k] = (int(value) + 1, None)
        return
    pipe = r.pipeline()
    for k in keys:
        pipe.incr(k)
    pipe.execute()


def _version_keys(hid):
    return ["mc:poll:v:*", f"mc:poll:v:{hid}", f"mc:poll:p:{hid}"]


def _pass_key(token, hid, after):
    digest = hashlib.sha256(token.encode()).hexdigest()[:32]
    return f"mc:poll:pass:{digest}:{hid}:{after}"


# --- versions move after each commit -------------------------------------------------------------

def _presence_only(obj, session_):
    """A participant row whose only change is "last seen": it matters to synchronous rooms only."""
    from sqlalchemy import inspect
    if obj in session_.new or obj in session_.deleted:
        return False
    changed = {a.key for a in inspect(obj).attrs if a.history.has_changes()}
    return changed <= {"last_seen_at"}


def _touched(session_, flush_context):
    from app.models import Consent, User, UserSession
    from app.models.hearing import Hearing, HearingParticipant
    bumps = session_.info.setdefault("poll_bumps", set())
    for obj in list(session_.new) + list(session_.dirty) + list(session_.deleted):
        if isinstance(obj, HearingParticipant) and _presence_only(obj, session_):
            bumps.add(f"p:{obj.hearing_id}")
        elif isinstance(obj, Hearing):
            bumps.add(obj.id)
        elif isinstance(obj, (Consent, User)) or (isinstance(obj, UserSession) and obj not in session_.new):
            bumps.add("*")  # may take access away anywhere
        else:
            hid = getattr(obj, "hearing_id", None)
            if hid is not None:
                bumps.add(hid)
            elif type(obj).__module__ == "app.models.hearing":
                bumps.add("*")  # a hearing row without its own hearing_id (addressees, extension requests)


def _committed(session_):
    bumps = session_.info.pop("poll_bumps", None)
    if not bumps:
        return
    try:
        _incr([f"mc:poll:{b}" if str(b).startswith("p:") else f"mc:poll:v:{b}" for b in sorted(bumps, key=str)])
    except Exception:  # noqa: BLE001 - Redis down: passes cannot be read either, nothing goes stale
        log.warning("poll versions not bumped", exc_info=True)


def _rolled_back(session_):
    session_.info.pop("poll_bumps", None)


# --- the fast path and the remembered pass ----------------------------------------------------------

def _poll_request():
    """(token, hearing id, after) when this is an HTMX poll that may be answered from a pass."""
    if request.endpoint != POLL_ENDPOINT or request.method != "GET" or not request.headers.get("HX-Request"):
        return None
    token = session.get("_user_id")
    hid = (request.view_args or {}).get("hid")
    if not token or hid is None:
        return None
    return token, hid, request.args.get("after", "")


def _fast_poll():
    found = _poll_request()
    if found is None:
        return None
    token, hid, after = found
    try:
        raw, *versions = _get_many([_pass_key(token, hid, after), *_version_keys(hid)])
    except Exception:  # noqa: BLE001 - no Redis: the slow path answers
        return None
    versions = [str(v or 0) for v in versions]
    g.poll_versions = versions
    if raw is None:
        return None
    kept = json.loads(raw)
    # "Who is online" is part of a synchronous room's answer only: presence counts there alone.
    compared = slice(None) if kept["mode"] == "sync" else slice(0, 2)
    if (kept["versions"][compared] != versions[compared] or kept["lang"] != request.cookies.get("lang", "")
            or not request.if_none_match.contains(kept["etag"])):
        return None
    resp = make_response("", 304)
    resp.set_etag(kept["etag"])
    resp.headers["Cache-Control"] = "private, no-cache"
    resp.vary.update(("HX-Request", "Cookie"))
    return resp


def remember(hearing, etag):
    """Called by the poll view once the room gate let this person in: keep the pass for PASS_SECONDS.
    The versions are those read before the view ran, so a change committed meanwhile ends the pass."""
    found = _poll_request()
    versions = g.get("poll_versions")
    if found is None or versions is None:
        return
    token, hid, after_arg = found
    value = json.dumps({"etag": etag, "versions": versions, "mode": hearing.mode,
                        "lang": request.cookies.get("lang", "")})
    try:
        _set(_pass_key(token, hid, after_arg), value, PASS_SECONDS)
    except Exception:  # noqa: BLE001
        log.warning("poll pass not kept", exc_info=True)


def init_app(app):
    app.before_request(_fast_poll)
    if not getattr(init_app, "_listening", False):
        event.listen(Session, "after_flush", _touched)
        event.listen(Session, "after_commit", _committed)
        event.listen(Session, "after_soft_rollback", lambda s, _t: _rolled_back(s))
        init_app._listening = True
