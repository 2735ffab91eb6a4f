"""`flask` CLI groups: demo, sms, jobs, faces, dossier."""


def register_commands(app):
    from app.commands.demo import demo_cli
    from app.commands.dossier import dossier_cli
    from app.commands.jobs import jobs_cli
    from app.commands.sms import sms_cli
    from app.commands.transcript import transcript_cli
    for group in (demo_cli, sms_cli, jobs_cli, dossier_cli, transcript_cli):
        app.cli.add_command(group)
    try:
        from app.commands.faces import faces_cli
    except ImportError:  # pragma: no cover - only while the face module is being built
        return
    app.cli.add_command(faces_cli)
