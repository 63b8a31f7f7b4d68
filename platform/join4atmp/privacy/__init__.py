"""Privacy (GDPR): the privacy notice, consent records, data export, account erasure and retention."""
