"""The exchange of process records with the province (data-exchange.md): the record log and
its sequence, the delivery worker that pushes it, the pull API and the operators' view."""
