"""Previews of images in filings (filing documents listed on the filing and review pages). Same
access as the file itself (`filing.file`): people who may see the case; court staff once submitted."""
from flask import abort, current_app, send_file
from flask_login import current_user, login_required
from markupsafe import Markup, escape
from sqlalchemy import select

from app.extensions import db
from app.models import Case
from app.models.filing import FilingAttachment
from app.services import thumbnails


SMALL_ENOUGH = 100 * 1024  # bytes: below this an image is shown as it is (no preview needed)


def register(bp):
    @bp.route("/filings/<ref>/files/<int:aid>/preview")
    @login_required
    def filing_preview(ref, aid):
        case = db.session.scalar(select(Case).where(Case.filing_ref == ref))
        if case is None or not case.can_view(current_user) or (current_user.is_staff and case.state == "draft"):
            abort(404)
        att = db.session.get(FilingAttachment, aid)
        if att is None or att.case_id != case.id or att.stored is None or thumbnails.preview_size(att.stored) is None:
            abort(404)
        resp = send_file(thumbnails.preview_path(att.stored), mimetype="image/jpeg", max_age=7 * 24 * 3600)
        resp.headers["Cache-Control"] = "private, max-age=604800"
        return resp

    bp.add_app_template_global(thumbnails.image_size, "image_size")

    @bp.app_template_global("filing_preview")
    def filing_preview_tag(case, att):
        """An <img> of the attachment's preview with its size, or a word that it is coming; '' for non-images."""
        from flask import url_for
        from flask_babel import gettext as _
        stored = att.stored
        if not thumbnails.can_preview(stored):
            return ""
        size = thumbnails.preview_size(stored)
        url = url_for("main.filing_preview", ref=case.filing_ref, aid=att.id)
        if size is None and stored.size <= SMALL_ENOUGH:  # a small image is its own preview
            size, url = thumbnails.image_size(stored), url_for("filing.file", ref=case.filing_ref, aid=att.id)
            if size is not None:
                scale = max(size[0] / thumbnails.SIZE, size[1] / thumbnails.SIZE, 1)
                size = (int(size[0] / scale), int(size[1] / scale))
        if size is None:
            return Markup('<small class="muted">%s</small>') % _("Preview being prepared.")
        w, h = size
        return Markup('<img class="thumb" src="%s" width="%d" height="%d" alt="%s" loading="lazy">') % (
            url, w // 2, h // 2, escape(stored.original_name))
