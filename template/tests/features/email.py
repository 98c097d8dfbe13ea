"""Production sends mail through a server that needs a password (SEC020)."""

PRODUCTION_SETTINGS = {
    "MAIL_SERVER": "smtp.example.com",
    "MAIL_USERNAME": "app",
    "MAIL_PASSWORD": "mail-secret",
}
