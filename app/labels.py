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
    app.jinja_env.filters["verify_method_label"] = lambda v: VERIFY_METHOD_LABELS.get(v, _l("checked"))
    app.jinja_env.filters["event_label"] = event_label  # (after the blueprints: this table is complete)


# How a person's identity was checked for a hearing (participants page).
VERIFY_METHOD_LABELS = {"face": _l("by face check"), "demo": _l("by demo sign-in link"),
                        "clerk": _l("by the court clerk"), "id_card": _l("by identity card")}

# Every kind of case event (案件事件) as a short sentence for the case history: never a raw code.
EVENT_LABELS = {
    "filing_started": _l("Filing started"), "filing_edited": _l("Details edited"),
    "party_added": _l("Party added"), "party_edited": _l("Party edited"), "party_removed": _l("Party removed"),
    "attachment_added": _l("Document added"), "attachment_replaced": _l("Document replaced"),
    "attachment_removed": _l("Document removed"),
    "attachment_uploaded_by_clerk": _l("Document uploaded by the court clerk for the party"),
    "filing_submitted": _l("Submitted to the court"), "correction_requested": _l("The court asked for corrections"),
    "filing_resubmitted": _l("Corrections sent"), "filing_accepted": _l("Accepted and registered"),
    "filing_rejected": _l("Not accepted"), "filing_withdrawn": _l("Withdrawn"),
    "filing_copied": _l("Copied to a new filing"), "document_issued": _l("Acceptance notice issued"),
    "party_joined": _l("A party joined online"), "consent_recorded": _l("Consent recorded"),
    "consent_withdrawn": _l("Consent withdrawn"), "demo_seeded": _l("Demonstration case created"),
    "identity_verified": _l("Identity verified"),
    "hearing_opened": _l("Hearing opened"), "hearing_closed": _l("Hearing session ended"),
    "hearing_mode_changed": _l("Hearing mode changed"), "participant_added": _l("Participant added to a hearing"),
    "message_posted": _l("Message posted in a hearing"), "evidence_added": _l("Evidence submitted"),
    "item_posted": _l("The court posted a litigation item"), "item_answered": _l("A litigation item was answered"),
    "item_closed": _l("A litigation item was closed"), "item_overdue": _l("A litigation item passed its deadline"),
    "deadline_extended": _l("A deadline was changed"), "extension_requested": _l("More time was asked for"),
    "extension_refused": _l("More time was refused"),
    "async_trial_applied": _l("Asynchronous trial applied for"),
    "async_trial_facts_confirmed": _l("Facts confirmed for an asynchronous trial"),
    "async_trial_procedure": _l("Procedure chosen for an asynchronous trial"),
    "async_trial_enabled": _l("Asynchronous trial enabled"),
    "transcript_drafted": _l("Transcript draft made"), "transcript_confirmed": _l("Transcript confirmed and signed"),
    "transcript_objected": _l("Objection to the transcript"), "transcript_filed": _l("Signed transcript filed"),
    "addendum_added": _l("Addendum to the transcript"),
    "mediation_terms_drafted": _l("Mediation terms drafted"),
    "mediation_confirmed": _l("Mediation agreement confirmed and signed"),
    "mediation_filed": _l("Signed mediation agreement filed"), "case_mediated": _l("Case settled by mediation"),
    "payment_confirmed": _l("Payment confirmed"), "withdrawal_requested": _l("Application to withdraw the suit"),
    "withdrawal_granted": _l("Withdrawal of the suit granted"),
    "document_served": _l("Document served electronically"), "service_opened": _l("Served document opened"),
    "service_acknowledged": _l("Receipt of a served document acknowledged"),
    "service_effective": _l("Service took effect"), "service_certificate_filed": _l("Certificate of service filed"),
    "service_address_confirmed": _l("Service address confirmed"), "state_changed": _l("Case status changed"),
    "enforcement_application_set": _l("Application for enforcement recorded"),
    "case_group_opened": _l("Case group opened"), "ledger_entry": _l("Entry in the enforcement money ledger"),
    "property_clue_submitted": _l("Property clue submitted"), "property_clue_handled": _l("Property clue handled"),
    "receipt_confirmation_requested": _l("Confirmation of the money received asked for"),
    "receipt_confirmed": _l("Money received confirmed"),
}


def event_label(kind):
    """A case event as words; an unknown kind (a newer event) still reads as words, not as a code."""
    label = EVENT_LABELS.get(kind)
    return label if label is not None else _l("Case updated")
