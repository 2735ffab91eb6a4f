"""Image lists show real previews with their size, never the phone's full photo (issue #14, item 10)."""
import io
import re

from PIL import Image
from sqlalchemy import select

from app.models import Case
from app.services import filing, thumbnails


def _photo(w=3000, h=2000):
    buf = io.BytesIO()
    Image.effect_noise((w, h), 60).convert("RGB").save(buf, "JPEG", quality=92)
    return buf.getvalue()


def test_the_review_page_shows_a_small_preview_of_a_phone_photo(client, db, auth, make_user, make_court):
    from werkzeug.datastructures import FileStorage
    court = make_court()
    judge = make_user("judge", court=court)
    filer = make_user("litigant")
    case = filing.start_filing(filer, court, "civil")
    db.session.commit()
    photo = _photo()
    att = filing.add_attachment(case, filer, role="evidence",
                                upload=FileStorage(io.BytesIO(photo), filename="送货单.jpg", content_type="image/jpeg"))
    case.state = "submitted"
    db.session.commit()  # the preview job runs after the commit (inline here, on the media queue in production)
    assert thumbnails.preview_path(att.stored).exists()
    auth.login(judge)
    html = client.get(f"/review/{case.filing_ref}").get_data(as_text=True)
    img = re.search(r'<img class="thumb" src="([^"]+)" width="(\d+)" height="(\d+)"', html)
    assert img and img.group(1) == f"/filings/{case.filing_ref}/files/{att.id}/preview"
    assert int(img.group(2)) <= 120 and int(img.group(3)) <= 120
    assert f'src="/filings/{case.filing_ref}/files/{att.id}"' not in html  # never the original as an <img>
    resp = client.get(img.group(1))
    assert resp.status_code == 200 and resp.mimetype == "image/jpeg"
    assert len(resp.data) < 30_000 < len(photo)
    assert Image.open(io.BytesIO(resp.data)).size == (240, 160)


def test_previews_are_404_for_outsiders(client, db, auth, make_user, make_court):
    from werkzeug.datastructures import FileStorage
    court = make_court()
    filer = make_user("litigant")
    case = filing.start_filing(filer, court, "civil")
    att = filing.add_attachment(case, filer, role="evidence",
                                upload=FileStorage(io.BytesIO(_photo(400, 300)), filename="a.jpg"))
    db.session.commit()
    url = f"/filings/{case.filing_ref}/files/{att.id}/preview"
    auth.login(filer)
    assert client.get(url).status_code == 200
    auth.logout()
    auth.login(make_user("litigant"))
    assert client.get(url).status_code == 404
    auth.logout()
    auth.login(make_user("judge", court=court))  # staff do not see drafts
    assert client.get(url).status_code == 404
