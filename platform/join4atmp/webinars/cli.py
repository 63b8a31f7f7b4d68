from flask.cli import AppGroup

webinars_cli = AppGroup("webinars", help="Webinars: reminders, personal data purge.")
