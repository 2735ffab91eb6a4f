"""Translated labels for the court's enumerations (kinds, states, roles)."""
from flask_babel import lazy_gettext as _l

KIND_LABELS = {"civil": _l("Civil"), "commercial": _l("Commercial"), "enforcement": _l("Enforcement"),
               "administrative": _l("Administrative")}
STATE_LABELS = {"draft": _l("Draft"), "submitted": _l("Submitted"), "needs_correction": _l("Needs correction"),
                "resubmitted": _l("Resubmitted"), "accepted": _l("Accepted"), "rejected": _l("Rejected"),
                "withdrawn": _l("Withdrawn"), "hearing": _l("In hearing"), "mediated": _l("Mediated"),
                "decided": _l("Decided, not yet in effect"), "suit_withdrawn": _l("Suit withdrawn (撤诉)"),
                "deemed_withdrawn": _l("Treated as withdrawn (按撤诉处理)"), "closed": _l("Closed")}
ROLE_LABELS = {"judge": _l("Judge"), "clerk": _l("Clerk"), "litigant": _l("Litigant"), "lawyer": _l("Lawyer"),
               "admin": _l("Administrator"), "plaintiff": _l("Plaintiff"), "defendant": _l("Defendant"),
               "third_party": _l("Third party"), "applicant": _l("Applicant"), "respondent": _l("Respondent")}

DOC_ROLE_LABELS = {"complaint": _l("Complaint"), "application": _l("Application for enforcement"),
                   "id_document": _l("Identity document"), "evidence_list": _l("List of evidence"),
                   "evidence": _l("Evidence"), "power_of_attorney": _l("Power of attorney"), "other": _l("Other")}


def register(app):
    app.jinja_env.filters["kind_label"] = lambda v: KIND_LABELS.get(v, v)
    app.jinja_env.filters["state_label"] = lambda v: STATE_LABELS.get(v, v)
    app.jinja_env.filters["role_label"] = lambda v: ROLE_LABELS.get(v, v)
    app.jinja_env.filters["doc_role_label"] = lambda v: DOC_ROLE_LABELS.get(v, v)
