"""What the dossier log binds: a registry of record kinds (model → canonical serialiser).

Each kind names the columns that never change once the record exists, the columns holding stored
files whose *bytes* are part of it, how to find its case (a SQL expression, so one query serves
both appending and verifying), and, for records that become final by an update (a case number
given, an agreement signed), the condition that makes them ready. Another module adds a kind with
`register(RecordKind(...))`; the session hook in `app/services/dossier.py` then logs its new rows.
"""
import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal

from sqlalchemy import Integer, case as sql_case, literal, select

from app.models import (AcceptanceNotice, Case, CaseApplication, CaseEvent, CaseMessage, ClueAction, CorrectionItem,
                        CorrectionRequest, CourtDocument, CourtFee, DeadlineChange, EnforcementMeasure, Evidence,
                        ExecutionCase, ExtensionRequest, FeePayment, FilingAttachment, FilingVersion, Hearing,
                        HearingItem, LedgerEntry, MediationAgreement, MediationConfirmation, MediationVersion, Message,
                        PropertyClue, ServiceOfDocument, Signature, SignatureApplication, StoredFile,
                        TerminationInterview, Transcript, TranscriptConfirmation, TranscriptVersion)
from app.services.errors import N_


@dataclass
class RecordKind:
    name: str
    model: type
    label: str  # a msgid, translated where shown
    columns: tuple = ()
    files: dict = field(default_factory=dict)  # name -> column or SQL expression giving a stored_files.id
    case_id: object = None  # column or SQL expression giving the case id (None: not a case's record)
    ready: object = None  # SQL condition; records that do not meet it are not (yet) in the dossier
    on_update: bool = False  # also logged when an update makes it ready
    bytes_only: bool = False  # the content hash is the SHA-256 of the one file's bytes (stored files)

    def selection(self):
        """SELECT id, case_id, the columns and the file ids (as file__<name>) of this kind's rows."""
        parts = [self.model.id.label("id")]
        parts.append((self.case_id if self.case_id is not None else literal(None, Integer)).label("case_id"))
        parts += [getattr(self.model, c) for c in self.columns]
        parts += [expr.label(f"file__{name}") for name, expr in self.files.items()]
        stmt = select(*parts)
        if self.ready is not None:
            stmt = stmt.where(self.ready)
        return stmt


_AS_IS = (str, int, bool, float, dict, list, type(None))


def _plain(value):
    if type(value) in _AS_IS:
        return value
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc)
        return value.isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, (bytes, bytearray)):
        return value.hex()
    return value


def canonical(kind, row, file_hashes):
    """The canonical serialisation of a record: sorted-keys JSON of its named columns and the
    SHA-256 of each of its files (`file_hashes`: name -> hex or None)."""
    body = {"kind": kind.name, "id": row.id,
            "columns": {c: _plain(getattr(row, c)) for c in kind.columns},
            "files": dict(sorted(file_hashes.items()))}
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def content_sha256(kind, row, file_hashes):
    if kind.bytes_only:
        return file_hashes["bytes"]
    return hashlib.sha256(canonical(kind, row, file_hashes)).hexdigest()


def _via(model, key, target_col):
    """The case id of a row reached through `key` (e.g. a message's hearing)."""
    return select(target_col).where(model.id == key).correlate_except(model).scalar_subquery()


KINDS = {}


def register(kind):
    KINDS[kind.name] = kind
    return kind


def kinds_for(model):
    return [k for k in KINDS.values() if k.model is model]


_hearing_case = lambda key: _via(Hearing, key, Hearing.case_id)  # noqa: E731
_transcript_case = lambda key: _via(Transcript, key, Transcript.case_id)  # noqa: E731
_agreement_case = lambda key: _via(MediationAgreement, key, MediationAgreement.case_id)  # noqa: E731

register(RecordKind("file", StoredFile, N_("File"), columns=("original_name", "content_type", "size"),
                    files={"bytes": StoredFile.id}, case_id=StoredFile.case_id, ready=StoredFile.case_id.isnot(None),
                    bytes_only=True))
register(RecordKind("case_number", Case, N_("Case number"),
                    columns=("court_id", "kind", "filing_ref", "case_number", "filed_by_id", "accepted_at"),
                    case_id=Case.id, ready=Case.case_number.isnot(None), on_update=True))
register(RecordKind("filing_decision", Case, N_("Decision on the filing"),
                    columns=("decided_at", "decided_by_id", "rejected_reason"),
                    case_id=Case.id, ready=Case.decided_at.isnot(None), on_update=True))
register(RecordKind("event", CaseEvent, N_("Case event"),
                    columns=("seq", "kind", "actor_id", "data", "created_at", "prev_hash", "hash"),
                    case_id=CaseEvent.case_id))
register(RecordKind("filing_version", FilingVersion, N_("Filing version"),
                    columns=("number", "snapshot", "reply", "created_by_id", "created_at"),
                    case_id=FilingVersion.case_id))
register(RecordKind("attachment", FilingAttachment, N_("Filing attachment"),
                    columns=("role", "note", "added_by_id", "on_behalf_of_id", "replaces_id", "created_at"),
                    files={"file": FilingAttachment.stored_file_id}, case_id=FilingAttachment.case_id))
register(RecordKind("correction_request", CorrectionRequest, N_("Correction notice"),
                    columns=("version_id", "note", "deadline", "requested_by_id", "created_at"),
                    case_id=CorrectionRequest.case_id))
register(RecordKind("correction_item", CorrectionItem, N_("Correction item"),
                    columns=("request_id", "position", "kind", "target", "note"),
                    case_id=_via(CorrectionRequest, CorrectionItem.request_id, CorrectionRequest.case_id)))
register(RecordKind("acceptance_notice", AcceptanceNotice, N_("Acceptance notice"),
                    columns=("verification_code", "created_at"), files={"pdf": AcceptanceNotice.stored_file_id},
                    case_id=AcceptanceNotice.case_id))
register(RecordKind("message", Message, N_("Hearing message"),
                    columns=("hearing_id", "kind", "author_id", "author_name", "author_role", "text", "data",
                             "reply_to_id", "about_evidence_id", "late", "created_at"),
                    case_id=_hearing_case(Message.hearing_id)))
register(RecordKind("item", HearingItem, N_("Litigation item"),
                    columns=("hearing_id", "message_id", "author_id", "text", "created_at"),
                    case_id=_hearing_case(HearingItem.hearing_id)))
register(RecordKind("deadline_change", DeadlineChange, N_("Deadline change"),
                    columns=("item_id", "old_deadline", "new_deadline", "reason", "actor_id", "created_at"),
                    case_id=_hearing_case(_via(HearingItem, DeadlineChange.item_id, HearingItem.hearing_id))))
register(RecordKind("extension_request", ExtensionRequest, N_("Request for more time"),
                    columns=("item_id", "party_id", "requested_by_id", "reason", "created_at"),
                    case_id=_hearing_case(_via(HearingItem, ExtensionRequest.item_id, HearingItem.hearing_id))))
register(RecordKind("extension_decision", ExtensionRequest, N_("Decision on a request for more time"),
                    columns=("state", "decided_by_id", "decided_at"),
                    case_id=_hearing_case(_via(HearingItem, ExtensionRequest.item_id, HearingItem.hearing_id)),
                    ready=ExtensionRequest.decided_at.isnot(None), on_update=True))
register(RecordKind("exhibit", Evidence, N_("Exhibit"),
                    columns=("hearing_id", "exhibit_no", "submitted_by_id", "party_id", "kind", "trial_stage",
                             "created_at"),
                    files={"file": Evidence.file_id}, case_id=Evidence.case_id))
register(RecordKind("signature", Signature, N_("Signature"),
                    columns=("user_id", "version", "sha256", "source", "created_at"), files={"image": Signature.image_id}))
register(RecordKind("signature_application", SignatureApplication, N_("Signature applied"),
                    columns=("signature_id", "user_id", "document_kind", "document_id", "document_hash",
                             "face_session_id", "signed_at"),
                    files={"image": _via(Signature, SignatureApplication.signature_id, Signature.image_id)},
                    case_id=sql_case(
                        (SignatureApplication.document_kind == "transcript",
                         _transcript_case(SignatureApplication.document_id)),
                        (SignatureApplication.document_kind == "mediation",
                         _agreement_case(SignatureApplication.document_id)))))
register(RecordKind("transcript_version", TranscriptVersion, N_("Transcript"),
                    columns=("transcript_id", "number", "kind", "content_hash", "verification_code",
                             "last_event_seq", "created_at"),
                    files={"pdf": TranscriptVersion.file_id}, case_id=_transcript_case(TranscriptVersion.transcript_id)))
register(RecordKind("transcript_answer", TranscriptConfirmation, N_("Answer to a transcript"),
                    columns=("transcript_id", "version_id", "user_id", "decision", "comment",
                             "signature_application_id", "created_at"),
                    case_id=_transcript_case(TranscriptConfirmation.transcript_id)))
register(RecordKind("mediation_version", MediationVersion, N_("Mediation terms"),
                    columns=("agreement_id", "number", "terms", "terms_hash", "created_at"),
                    case_id=_agreement_case(MediationVersion.agreement_id)))
register(RecordKind("mediation_confirmation", MediationConfirmation, N_("Confirmation of mediation terms"),
                    columns=("agreement_id", "version_id", "party_id", "user_id", "signature_application_id",
                             "created_at"),
                    case_id=_agreement_case(MediationConfirmation.agreement_id)))
register(RecordKind("agreement", MediationAgreement, N_("Mediation agreement"),
                    columns=("hearing_id", "created_by_id", "signed_at", "content_hash", "verification_code"),
                    files={"pdf": MediationAgreement.file_id}, case_id=MediationAgreement.case_id,
                    ready=MediationAgreement.file_id.isnot(None), on_update=True))
register(RecordKind("service", ServiceOfDocument, N_("Document served"),
                    columns=("party_id", "recipient_id", "document_kind", "title", "consent_id", "created_by_id",
                             "created_at"),
                    files={"document": ServiceOfDocument.file_id}, case_id=ServiceOfDocument.case_id))
register(RecordKind("service_certificate", ServiceOfDocument, N_("Service certificate"),
                    columns=("effective_at", "certificate_hash", "certificate_code"),
                    files={"pdf": ServiceOfDocument.certificate_id}, case_id=ServiceOfDocument.case_id,
                    ready=ServiceOfDocument.certificate_id.isnot(None), on_update=True))

# The whole case (#18): court documents once issued and their effect, applications and the decisions on
# them, the case channel, fee payments. Only what never changes once it is ready is bound.
register(RecordKind("court_document", CourtDocument, N_("Court document"),
                    columns=("kind", "ruling_type", "title", "paragraphs", "content_hash", "judge_id",
                             "judge_signed_at", "clerk_id", "clerk_signed_at", "issued_at", "verification_code",
                             "application_id"),
                    files={"pdf": CourtDocument.file_id}, case_id=CourtDocument.case_id,
                    ready=CourtDocument.file_id.isnot(None), on_update=True))
register(RecordKind("court_document_effect", CourtDocument, N_("Certificate of legal effect"),
                    columns=("effective_on",), files={"pdf": CourtDocument.certificate_file_id},
                    case_id=CourtDocument.case_id, ready=CourtDocument.certificate_file_id.isnot(None),
                    on_update=True))
register(RecordKind("application", CaseApplication, N_("Application to the court"),
                    columns=("party_id", "kind", "details", "reason", "submitted_by_id", "created_at"),
                    case_id=CaseApplication.case_id))
register(RecordKind("application_decision", CaseApplication, N_("Decision on an application"),
                    columns=("state", "decided_by_id", "decided_at", "decision_reasons"),
                    files={"pdf": CaseApplication.decision_file_id}, case_id=CaseApplication.case_id,
                    ready=CaseApplication.decided_at.isnot(None), on_update=True))
register(RecordKind("case_message", CaseMessage, N_("Message to the court"),
                    columns=("author_id", "party_id", "body", "created_at"), case_id=CaseMessage.case_id))
register(RecordKind("fee_payment", FeePayment, N_("Fee payment"),
                    columns=("fee_id", "channel", "reference", "amount", "paid_at", "recorded_by_id"),
                    case_id=_via(CourtFee, FeePayment.fee_id, CourtFee.case_id)))

# Enforcement (#19): the property clues, what was done on them, the ledger, measures, the termination
# interview, and the closing of the execution with its document.
_execution_case = lambda key: _via(ExecutionCase, key, ExecutionCase.case_id)  # noqa: E731
register(RecordKind("property_clue", PropertyClue, N_("Property clue"),
                    columns=("execution_id", "kind", "description", "submitted_by_id", "created_at"),
                    files={"attachment": PropertyClue.attachment_id},
                    case_id=_execution_case(PropertyClue.execution_id)))
register(RecordKind("clue_action", ClueAction, N_("Action on a property clue"),
                    columns=("clue_id", "action", "done_on", "until", "note", "recorded_by_id", "created_at"),
                    case_id=_execution_case(_via(PropertyClue, ClueAction.clue_id, PropertyClue.execution_id))))
register(RecordKind("ledger_entry", LedgerEntry, N_("Enforcement ledger entry"),
                    columns=("execution_id", "kind", "amount", "on_date", "note", "recorded_by_id", "created_at"),
                    files={"proof": LedgerEntry.proof_id}, case_id=_execution_case(LedgerEntry.execution_id)))
register(RecordKind("enforcement_measure", EnforcementMeasure, N_("Enforcement measure"),
                    columns=("execution_id", "kind", "party_id", "start_on", "end_on", "reason", "recorded_by_id",
                             "created_at"),
                    case_id=_execution_case(EnforcementMeasure.execution_id)))
register(RecordKind("termination_interview", TerminationInterview, N_("Interview before termination"),
                    columns=("execution_id", "held_on", "notes", "conditions", "applicant_view", "recorded_by_id",
                             "created_at"),
                    case_id=_execution_case(TerminationInterview.execution_id)))
register(RecordKind("execution_closing", ExecutionCase, N_("Closing of the enforcement"),
                    columns=("status", "closing_reason", "closed_at"), files={"pdf": ExecutionCase.closing_file_id},
                    case_id=ExecutionCase.case_id, ready=ExecutionCase.closing_file_id.isnot(None), on_update=True))
