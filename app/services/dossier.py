"""The electronic dossier (电子卷宗): stored files and their hashes at receipt."""


def verify_files(case_id):
    """Problems with the files filed in a case (filled in with the filing and evidence features)."""
    return []
