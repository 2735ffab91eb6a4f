"""All models, imported here so Alembic and the app see one metadata."""
from app.models.base import UTCDateTime, utcnow  # noqa: F401
from app.models.case import Case, CaseEvent, CaseParty  # noqa: F401
from app.models.consent import Consent  # noqa: F401
from app.models.court import Court  # noqa: F401
from app.models.document import StoredFile  # noqa: F401
from app.models.notification import ActionLink, LoginCode, SmsMessage  # noqa: F401
from app.models.user import User, UserSession  # noqa: F401
