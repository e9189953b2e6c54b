"""Routing quality, measured: realistic inquiries in Finnish, English and Swedish, each with
where a one-stop-shop coordinator would send it; the hit rate is printed and must be at least
90 %."""

from __future__ import annotations

from catalogue_support import COMPANY, Catalogue

PROTOTYPING = "prototyping"
INQUIRIES: list[tuple[str, str, str]] = [
    # (need, stage, where a coordinator would route it: an organisation or prototyping)
    (
        "We want to test our ore samples for flotation before building a concentrator.",
        "pilot",
        "gtk",
    ),
    ("Tarvitsemme rikastuskokeita litiummalmille pilot-mittakaavassa.", "pilot", "gtk"),
    ("Kaivoksemme rikastushiekan hyödyntäminen rakennusmateriaalina kiinnostaa.", "concept", "gtk"),
    (
        "We need the mineralogy of our concentrate analysed with electron microscopy.",
        "prototype",
        "gtk",
    ),
    ("Pohjaveden laatu on selvitettävä ennen uuden tehtaan rakentamista.", "pilot", "gtk"),
    ("Vi behöver hjälp med malmprospektering och geofysiska data i Lappland.", "concept", "gtk"),
    ("Our fish farm wants to test a new feed made from insects.", "pilot", "luke"),
    ("Haluamme testata kalanrehua kasvatuskokeessa arktisissa oloissa.", "prototype", "luke"),
    ("Poronhoitajien yhdistys haluaa tutkia porojen ruokintaa talvella.", "pilot", "luke"),
    ("We need soil samples analysed for nutrients and microbes.", "pilot", "luke"),
    (
        "Marjoista kosmetiikkaa: tarvitsemme raaka-aineanalyysin ja tuotekehitystä.",
        "concept",
        "luke",
    ),
    (
        "Our company must report the carbon sink of our forests for responsibility reporting.",
        "market",
        "luke",
    ),
    (
        "Turvetuotantoalueen jälkikäyttö ja soiden ennallistaminen kiinnostavat meitä.",
        "concept",
        "luke",
    ),
    ("Vi vill utveckla produkter av bär och naturprodukter för livsmedel.", "idea", "luke"),
    ("We want to design the customer journey of our new tourism service.", "concept", "ulapland"),
    (
        "Matkailuyrityksemme haluaa kehittää elämyspalveluja palvelumuotoilun avulla.",
        "concept",
        "ulapland",
    ),
    (
        "Tarvitsemme selvityksen kaivoslain ja maankäytön luvista sekä saamelaisten oikeuksista.",
        "market",
        "ulapland",
    ),
    ("We would like to try machine learning forecasting on our sales data.", "concept", "ulapland"),
    (
        "Usability testing of our outdoor gear with users in northern conditions.",
        "prototype",
        "ulapland",
    ),
    (
        "Climate change effects on Arctic communities: we need expert statements.",
        "market",
        "ulapland",
    ),
    ("Vi behöver tjänstedesign för att förbättra kundupplevelsen.", "concept", "ulapland"),
    (
        "We need welding and fatigue tests of ultra-high-strength steel in the cold.",
        "pilot",
        "lapland-uas",
    ),
    (
        "Autonomous vehicle winter testing on snow and ice with lidar sensors.",
        "pilot",
        "lapland-uas",
    ),
    (
        "Rakennuksemme energiatehokkuus ja lämpöpumppujen kannattavuus pitää kartoittaa.",
        "market",
        "lapland-uas",
    ),
    ("Drone mapping and laser scanning of a property for land surveying.", "market", "lapland-uas"),
    (
        "Tarvitsemme markkinointivideon ja somesisältöä tuotteen lanseeraukseen.",
        "market",
        "lapland-uas",
    ),
    ("Hyvinvointiteknologian laitteemme käyttäjätestaus ikääntyneillä.", "pilot", "lapland-uas"),
    ("VR training simulator for our maintenance staff.", "pilot", "lapland-uas"),
    (
        "Idea: a sensor that warns before snow load on the roof gets dangerous; "
        "we need a prototype.",
        "concept",
        PROTOTYPING,
    ),
    (
        "Meillä on idea sovelluksesta, joka kertoo revontulista; tarvitsemme prototyypin nopeasti.",
        "idea",
        PROTOTYPING,
    ),
    (
        "Problem: our sawmill loses data from frozen sensors. Can you prototype a fix?",
        "prototype",
        PROTOTYPING,
    ),
    ("Vi har en idé om en app för renskötare och behöver en prototyp.", "idea", PROTOTYPING),
    ("Kokeilu: haluamme nopean prototyypin IoT-anturista kylmävarastoon.", "concept", PROTOTYPING),
]
TARGET_HIT_RATE = 0.9


async def test_the_routing_hits_what_a_coordinator_would_choose(catalogue: Catalogue) -> None:
    misses = []
    for need, stage, expected in INQUIRIES:
        response = await catalogue.http.post(
            "/inquiries", json={"company": COMPANY, "need": need, "stage": stage}
        )
        assert response.status_code == 201, response.text
        routing = response.json()["routing"] or {"target": None, "organisations": []}
        chosen = (
            PROTOTYPING
            if routing["target"] == PROTOTYPING
            else (routing["organisations"] or [None])[0]
        )
        if chosen != expected:
            misses.append((need, expected, chosen, routing.get("reasons")))
    hit_rate = 1 - len(misses) / len(INQUIRIES)
    print(f"routing hit rate: {hit_rate:.0%} of {len(INQUIRIES)} inquiries")
    for miss in misses:
        print("missed:", miss)
    assert len(INQUIRIES) >= 30
    assert hit_rate >= TARGET_HIT_RATE, misses
