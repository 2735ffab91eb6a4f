"""The error summary (错误汇总) at the top of any page that shows a form with errors: every problem at
once, each a link to its field, so a person on a small screen never has to hunt 1,900 px down for
the one red line. base.html calls `error_summary()`: it looks through the page's own context for
forms with errors, so every form template gets it without doing anything."""
from flask_wtf import FlaskForm
from jinja2 import pass_context


@pass_context
def error_summary(context):
    """[(field id, label, message)] for every error of every form on the page, in page order."""
    rows, seen = [], set()
    for value in context.get_all().values():
        forms = value if isinstance(value, (list, tuple)) else [value]
        for form in forms:
            if not isinstance(form, FlaskForm) or id(form) in seen or not form.errors:
                continue
            seen.add(id(form))
            for field in form:
                errors = field.errors if isinstance(field.errors, (list, tuple)) else []
                for message in errors:  # messages may be lazy strings (validators built with _l)
                    if not isinstance(message, (list, tuple, dict)):
                        rows.append((field.id, field.label.text, str(message)))
    return rows


def init_app(app):
    app.add_template_global(error_summary)
