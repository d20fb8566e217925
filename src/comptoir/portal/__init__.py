"""The portal: the home pages of firms and client companies, their app tiles and the launcher.

Above ``store`` (the installations) and ``assignments`` (who was given what): ``tiles`` is the
one place that says which tile a user sees and may open.
"""
