"""Named domain errors. Blueprints turn them into messages in the user's language."""


def N_(message):
    """Marks a message for extraction; it is translated where it is shown."""
    return message


class DomainError(Exception):
    """Base class: `message` is an English msgid the blueprint translates."""
    status = 400
    message = N_("This action is not possible.")

    def __init__(self, message=None, **params):
        super().__init__(message or self.message)
        if message:
            self.message = message
        self.params = params


class NotAllowed(DomainError):
    status = 403
    message = N_("You are not allowed to do this.")


class InvalidState(DomainError):
    status = 409
    message = N_("This has changed in the meantime; reload the page.")


class DeadlinePassed(DomainError):
    status = 409
    message = N_("The deadline has passed.")


class InvalidCode(DomainError):
    status = 400
    message = N_("The code is wrong or has expired. Request a new code.")


class LinkInvalid(DomainError):
    status = 404
    message = N_("This link is not valid. It may be incomplete or changed; open it again from the SMS.")


class LinkUsed(DomainError):
    status = 410
    message = N_("This link has already been used. Sign in with your phone number to continue.")


class LinkExpired(DomainError):
    status = 410
    message = N_("This link has expired. Sign in with your phone number to continue.")
