"""All models, imported here so Alembic and the app see one metadata."""
from app.models.base import UTCDateTime, utcnow  # noqa: F401
from app.models.case import Case, CaseEvent, CaseParty  # noqa: F401
from app.models.consent import Consent  # noqa: F401
from app.models.court import Court  # noqa: F401
from app.models.document import StoredFile  # noqa: F401
from app.models.identity import ClerkReview, FaceCheck, FaceReference, HeldAction  # noqa: F401
from app.models.filing import (AcceptanceNotice, CaseNumberSequence, CorrectionItem,  # noqa: F401
                               CorrectionRequest, FilingAttachment, FilingVersion)
from app.models.hearing import (AsyncTrialConditions, DeadlineChange, Evidence, ExtensionRequest,  # noqa: F401
                                HearingItem, Hearing, HearingParticipant, ItemAddressee, Message, ReminderSent)
from app.models.notification import ActionLink, LoginCode, SignInCodeRequest, SmsMessage  # noqa: F401
from app.models.user import User, UserSession  # noqa: F401
from app.models.mediation import MediationAgreement, MediationConfirmation, MediationVersion  # noqa: F401
from app.models.service import ServiceAddress, ServiceChannelAttempt, ServiceOfDocument  # noqa: F401
from app.models.signature import Signature, SignatureApplication  # noqa: F401
from app.models.transcript import Transcript, TranscriptConfirmation, TranscriptVersion  # noqa: F401
from app.models.record import IdempotencyKey, JobOutbox, SecurityCounter  # noqa: F401
from app.models.dossier import DossierCheckpoint, DossierLeaf  # noqa: F401
from app.models.fees import CourtFee, FeeOrder, FeePayment, FeeRelief  # noqa: F401
from app.models.case_extras import CaseApplication, CaseMessage  # noqa: F401
from app.models.court_document import CourtDocument  # noqa: F401
from app.models.enforcement import (ClueAction, EnforcementMeasure, ExecutionCase, ExecutionSettlement,  # noqa: F401
                                    LedgerEntry, PropertyClue, ReceiptConfirmation, TerminationInterview)
from app.models.workbench import AdminChange, BulkAct, HearingSeen  # noqa: F401
