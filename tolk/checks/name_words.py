"""The words that `tolk.checks.names` treats apart: those capitalised in names but translated
with them, the small words of titles, and the English words written with a capital anyway.
"""

# Dutch words that are capitalised inside names of institutions, places and events, and are
# translated with the rest of the name ("Grote Oceaan": "Pacific Ocean").
NAME_WORDS = frozenset(
    """verenigde staten grote oceaan republiek unie universiteit nationale nationaal rode
    kruis eerste tweede derde oorlog wereldoorlog huis witte theater centrum academie comité
    revolutie spelen piramide piramides koninkrijk koninkrijken ministerie defensie kamer
    noord zuid oost west noordelijke zuidelijke oostelijke westelijke nieuw nieuwe heilige
    kerk raad hof verdrag tempel leger hoge oude parken park grot economie industrie programma
    operatie confederatie congreslid vrede middeleeuwen bijbel westen oosten
    bank partij beste drie vier zee eiland eilanden meer rivier gebergte
    golf baai straat plein park station paleis kathedraal museum instituut stichting
    vereniging bond dienst commissie federatie organisatie volksorganisatie wereld
    internationale internationaal europees europese afgevaardigden handel artsen grenzen
    ster keizer keizerrijk rijk dynastie tijd tijdperk eeuw rechtbank hooggerechtshof
    gerechtshof senaat congres parlement regering kabinet overheid staat stad provincie
    gemeente vallei woestijn vulkaan kaap schiereiland kanaal brug toren poort muur
    minister president premier prins prinses koning koningin paus graaf hertog sint
    generaal kapitein professor dokter dr meneer mevrouw heer vrouw heiligdom lieve zon maan
    ramen romantiek renaissance verlichting""".split()
)
# English words that are capitalised inside the names of things (often kept in English in the
# Dutch: "het Sagittarius Galaxy", "het Shuttle Programma") and written small in English.
ENGLISH_NAME_WORDS = frozenset(
    """galaxy nebula comet planet program programme project mission shuttle station system
    theory effect award prize cup league series games championship tournament festival
    center centre institute university college school museum park bridge tower hall church
    street river lake mountain island bay ocean sea desert valley war revolution empire
    kingdom republic dynasty treaty pact army navy party""".split()
)
PARTICLES = frozenset("van der den de het ten ter te von zu di da del du le la".split())
# Dutch words that are capitalised in titles and names but are no names themselves.
FUNCTION_WORDS = PARTICLES | frozenset(
    """een en of in op aan bij uit voor over met naar tot om onder tegen tussen zonder
    onze ons mijn zijn haar hun uw jouw deze dit die dat wat wie waar hoe""".split()
)
ENGLISH_CAPITALS = frozenset(
    """I Mr Mrs Ms Dr Prof St Monday Tuesday Wednesday Thursday Friday Saturday Sunday January
    February March April May June July August September October November December""".split()
)
# Small words that a run of capitalised words may hold: "Declaration of Independence".
CONNECTORS = frozenset(("of", "the", "and", "de", "du", "van"))
