"""The words the newsroom writes its stories and ads with."""

REPORTERS = (
    "Jane Roe", "John Doe", "Amara Okafor", "Li Wei", "Sofia Rossi", "Tomás García", "Priya Natarajan",
    "Kofi Mensah", "Hannah Becker", "Yuki Tanaka", "Olga Ivanova", "Samir Haddad",
)  # fmt: skip
PLACES = (
    "Riverton", "Northgate", "Lakeside", "Port Ellis", "Hillcrest", "Eastbrook", "Westmoor", "Ashford",
    "Kingsbridge", "Marlow Bay",
)  # fmt: skip
SUBJECTS = (
    "the city council", "the transport authority", "the school board", "the health trust", "the police",
    "the port operator", "the finance ministry", "the central bank", "the football club", "the university",
    "the energy regulator", "the national museum",
)  # fmt: skip
VERBS = (
    "approved", "rejected", "delayed", "announced", "expanded", "scaled back", "defended", "questioned",
    "postponed", "confirmed", "reviewed", "challenged",
)  # fmt: skip
THINGS = (
    "the bridge plan", "a new tram line", "next year's budget", "the housing scheme", "flood defences",
    "the night bus service", "a pay deal", "the merger", "new safety rules", "the stadium project",
    "interest rates", "the exhibition",
)  # fmt: skip
CLAUSES = (
    "after months of consultation with residents", "despite objections from local businesses",
    "according to documents seen by reporters", "in a statement released on {day}",
    "following a {n}-hour meeting", "at a cost estimated at {n} million", "with {n} members in favour",
    "amid growing pressure from campaigners", "weeks before the deadline", "for the {ord} time this year",
)  # fmt: skip
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
ORDINALS = ("second", "third", "fourth", "fifth")
AD_COPY = (
    "Save 40% on your first year", "Holidays from 199", "New: the electric estate",
    "Learn a language in 3 months",
    "Mortgage rates from 4.1%", "Win tickets to the final",
)  # fmt: skip
