"""The demo network's offerings: the development environments of the Arctic Research Community
and productized services of its four organisations, written for the demo (facts public)."""

from __future__ import annotations

from dataclasses import dataclass

E, S = "environment", "service"


@dataclass(frozen=True)
class DemoOffering:
    """One offering of the demo data; `unit` set makes it an environment."""

    key: str
    org: str
    title_fi: str
    title_en: str
    description_fi: str
    description_en: str
    keywords: tuple[str, ...]
    stages: tuple[str, ...]
    trl: tuple[int, int]
    disciplines: tuple[str, ...] = ()
    pricing: str = "subsidised"
    lead_time_days: int = 10
    location: str | None = None
    unit: str | None = None
    capacity: int = 1
    owner_approves: bool = True
    training_required: bool = False


OFFERINGS: tuple[DemoOffering, ...] = (
    # Development environments
    DemoOffering(
        "tequ",
        "lapland-uas",
        "TEQU - nopea prototypointi",
        "TEQU - rapid prototyping",
        "Yrityksen ongelmasta tai ideasta teknologiaprototyyppi noin kuukaudessa. Monialainen "
        "asiantuntijatiimi (ICT, rakentaminen, energia, maanmittaus, teollinen muotoilu, "
        "liiketoiminta, mediatuotanto) kokeilee ja rakentaa ratkaisun ketterästi.",
        "A technology prototype of a company's problem or idea in about a month. A "
        "multidisciplinary expert team (ICT, construction, energy, land surveying, industrial "
        "design, business, media production) tries out and builds the solution in agile sprints.",
        ("rapid prototyping", "prototyyppi", "idea", "kokeilu", "sensor", "anturi", "app"),
        ("idea", "concept", "prototype"),
        (2, 6),
        ("ict", "construction", "energy", "industrial_design", "business", "media_production"),
        "subsidised",
        5,
        "Rovaniemi",
        "day",
        2,
        True,
    ),
    DemoOffering(
        "frostbit",
        "lapland-uas",
        "FrostBit Software Lab - VR, AR ja ohjelmistot",
        "FrostBit Software Lab - VR, AR and software",
        "Virtuaali- ja lisätyn todellisuuden sovellukset, pelit, simulaatiot ja "
        "ohjelmistoratkaisut yrityksille. Koulutussimulaattorit ja digitaaliset kaksoset.",
        "Virtual and augmented reality applications, games, simulations and software "
        "solutions for companies. Training simulators and digital twins.",
        (
            "virtual reality",
            "virtuaalitodellisuus",
            "augmented reality",
            "game",
            "peli",
            "simulaatio",
            "software",
            "digital twin",
        ),
        ("concept", "prototype", "pilot"),
        (3, 7),
        ("ict", "media_production"),
        "commercial",
        15,
        "Rovaniemi",
        "day",
        4,
        True,
    ),
    DemoOffering(
        "arctic-power",
        "lapland-uas",
        "Arctic Power - älyliikenne ja automaattiajo",
        "Arctic Power - intelligent transport and automated driving",
        "Älykkään liikenteen ja automaattiajoneuvojen testaus arktisissa olosuhteissa: "
        "lumi, jää ja pakkanen. Testirata, ajoneuvojen anturit ja talviajon mittaukset.",
        "Testing of intelligent transport and automated vehicles in Arctic conditions: "
        "snow, ice and frost. A test track, vehicle sensors and winter driving measurements.",
        (
            "automated vehicle",
            "autonomous",
            "winter testing",
            "talvitestaus",
            "lidar",
            "liikenne",
            "transport",
        ),
        ("prototype", "pilot"),
        (5, 8),
        ("ict", "energy"),
        "commercial",
        20,
        "Rovaniemi",
        "day",
        1,
        True,
    ),
    DemoOffering(
        "steel-lab",
        "lapland-uas",
        "Arctic Steel and Mining - materiaalilaboratorio",
        "Arctic Steel and Mining materials laboratory",
        "Ruostumattomien ja ultralujien terästen käytettävyys: hitsaus, särmäys, "
        "väsytys- ja iskukokeet kylmässä. Materiaalitestaus teollisuuden tarpeisiin Kemissä.",
        "Usability of stainless and ultra-high-strength steels: welding, bending, fatigue "
        "and impact tests in the cold. Materials testing for industry in Kemi.",
        (
            "steel",
            "teräs",
            "welding",
            "hitsaus",
            "materials testing",
            "materiaalitestaus",
            "fatigue",
        ),
        ("prototype", "pilot", "market"),
        (4, 9),
        ("construction",),
        "commercial",
        15,
        "Kemi",
        "hour",
        1,
        True,
        True,
    ),
    DemoOffering(
        "biolab",
        "lapland-uas",
        "Biolaboratorio, Rantavitikan kampus",
        "Biolaboratory, Rantavitikka campus",
        "Lapin AMK:n ja Lapin yliopiston yhteinen laboratorio: maaperän hiilen analytiikka, "
        "paleoekologia ja ympäristönäytteet. Laboratoriot valmistuivat 2022.",
        "A laboratory shared by Lapland UAS and the University of Lapland: soil carbon "
        "analytics, palaeoecology and environmental samples. The laboratories opened in 2022.",
        (
            "soil carbon",
            "maaperän hiili",
            "palaeoecology",
            "paleoekologia",
            "laboratory",
            "ympäristönäyte",
        ),
        ("concept", "prototype"),
        (2, 6),
        (),
        "subsidised",
        10,
        "Rovaniemi",
        "hour",
        6,
        True,
        True,
    ),
    DemoOffering(
        "sinco",
        "ulapland",
        "SINCO - palvelumuotoilun laboratorio",
        "SINCO - Service Innovation Corner",
        "Palvelumuotoilun ja palveluprototyyppien laboratorio vuodesta 2009. Projisoitu "
        "simulaatiolava, jolla asiakaspolut ja palvelutilanteet kokeillaan ennen toteutusta.",
        "A laboratory for service design and service prototypes since 2009. A projected "
        "simulation stage on which customer journeys and service situations are tried out "
        "before they are built.",
        (
            "service design",
            "palvelumuotoilu",
            "customer journey",
            "asiakaspolku",
            "user experience",
            "käyttäjäkokemus",
        ),
        ("idea", "concept", "prototype"),
        (1, 6),
        ("industrial_design", "business"),
        "subsidised",
        10,
        "Rovaniemi",
        "hour",
        20,
        True,
    ),
    DemoOffering(
        "arctic-centre",
        "ulapland",
        "Arktinen keskus - arktinen asiantuntemus",
        "Arctic Centre - Arctic expertise",
        "Kansallinen arktisen asiantuntemuksen laitos: ilmastonmuutos, arktinen oikeus, "
        "alkuperäiskansat ja kestävä kehitys. Tutkimustietoa ja asiantuntijalausuntoja.",
        "The national institute for Arctic expertise: climate change, Arctic law, "
        "indigenous peoples and sustainable development. Research and expert statements.",
        (
            "arctic",
            "arktinen",
            "climate change",
            "ilmastonmuutos",
            "sámi",
            "saamelaiset",
            "sustainability",
            "vastuullisuus",
        ),
        ("idea", "concept", "market"),
        (1, 9),
        ("business",),
        "subsidised",
        20,
        "Rovaniemi",
        "day",
        30,
        True,
    ),
    DemoOffering(
        "mintec",
        "gtk",
        "GTK Mintec - mineraalitekniikan pilot-laitos",
        "GTK Mintec - mineral processing pilot plant",
        "Mineraalitekniikan laboratoriot ja pilot-laitos Outokummussa: rikastuskokeet "
        "laboratoriomittakaavasta pilot-ajoihin, prosessimineralogia, malminäytteiden ja "
        "rikastushiekan käsittely.",
        "Mineral processing laboratories and a pilot plant in Outokumpu: beneficiation tests "
        "from bench scale to pilot-scale runs, process mineralogy, ore samples and tailings.",
        (
            "mineral processing",
            "rikastus",
            "flotation",
            "vaahdotus",
            "tailings",
            "rikastushiekka",
            "ore",
            "malmi",
            "battery minerals",
        ),
        ("concept", "prototype", "pilot"),
        (3, 8),
        (),
        "commercial",
        30,
        "Outokumpu",
        "day",
        1,
        True,
        True,
    ),
    DemoOffering(
        "luke-lab",
        "luke",
        "Luken Rovaniemen laboratorio",
        "LUKE Rovaniemi laboratory",
        "Maaperä-, kasvi- ja mikrobiologian menetelmät: maanäytteet, ravinteet, "
        "kasvitaudit ja mikrobiyhteisöt. Akkreditoidut analyysit.",
        "Soil, plant and microbiology methods: soil samples, nutrients, plant diseases and "
        "microbial communities. Accredited analyses.",
        (
            "soil",
            "maaperä",
            "plant",
            "kasvi",
            "microbiology",
            "mikrobiologia",
            "laboratory",
            "laboratorio",
        ),
        ("concept", "prototype", "pilot"),
        (3, 8),
        (),
        "commercial",
        10,
        "Rovaniemi",
        "hour",
        4,
        False,
    ),
    DemoOffering(
        "inari-fish",
        "luke",
        "Inarin tutkimusinfrastruktuuri - kalankasvatus",
        "Inari research infrastructure - fish farming",
        "EU:n pohjoisin kalanviljelylaitos: 154 allasta ja lammikoita. Kalankasvatuksen, "
        "rehujen ja vesistöjen kokeet arktisissa oloissa.",
        "The EU's northernmost fish farm: 154 tanks and ponds. Trials of fish farming, "
        "feeds and waters in Arctic conditions.",
        ("fish farming", "kalankasvatus", "aquaculture", "vesiviljely", "feed", "rehu"),
        ("prototype", "pilot"),
        (5, 8),
        (),
        "commercial",
        30,
        "Inari",
        "day",
        10,
        True,
    ),
    DemoOffering(
        "kutuharju",
        "luke",
        "Kutuharjun porotutkimusalusta",
        "Kutuharju reindeer research platform",
        "Noin 43 km² aitaus ja noin 200 poroa Inarissa, aineistoa vuodesta 1969. "
        "Poronhoidon, laidunten ja eläinten hyvinvoinnin kokeet.",
        "About 43 km² of enclosure and about 200 reindeer in Inari, data since 1969. "
        "Trials of reindeer husbandry, pastures and animal welfare.",
        ("reindeer", "poro", "poronhoito", "pasture", "laidun", "animal welfare"),
        ("concept", "prototype", "pilot"),
        (3, 8),
        (),
        "subsidised",
        30,
        "Inari",
        "day",
        1,
        True,
    ),
    # Productized services
    DemoOffering(
        "iot-sensors",
        "lapland-uas",
        "IoT-anturiratkaisujen kehitys",
        "IoT sensor solution development",
        "Langattomien anturien ja mittausjärjestelmien suunnittelu, ohjelmointi ja "
        "kenttätestaus pakkasessa. Tiedonkeruu pilveen ja hälytykset.",
        "Design, programming and field testing of wireless sensors and measurement systems "
        "in frost. Data collection to the cloud and alerts.",
        ("iot", "sensor", "anturi", "wireless", "langaton", "measurement", "mittaus"),
        ("concept", "prototype"),
        (3, 6),
        ("ict", "energy"),
        "subsidised",
        10,
    ),
    DemoOffering(
        "energy-audit",
        "lapland-uas",
        "Energiatehokkuuden kartoitus",
        "Energy efficiency survey",
        "Kiinteistön tai tuotantoprosessin energiankulutuksen mittaus ja säästökohteet. "
        "Aurinko- ja lämpöpumppuratkaisujen arviointi.",
        "Measuring the energy use of a building or a production process and finding savings. "
        "Assessing solar and heat pump solutions.",
        (
            "energy efficiency",
            "energiatehokkuus",
            "solar",
            "aurinkoenergia",
            "heat pump",
            "lämpöpumppu",
        ),
        ("pilot", "market"),
        (7, 9),
        ("energy", "construction"),
        "commercial",
        15,
    ),
    DemoOffering(
        "cold-construction",
        "lapland-uas",
        "Kylmän ilmaston rakentamisen testaus",
        "Cold climate construction testing",
        "Rakenteiden, lumikuormien ja routimisen mittaukset. Rakennusosien kosteus- ja "
        "lämpötilaseuranta talviolosuhteissa.",
        "Measurements of structures, snow loads and frost heave. Moisture and temperature "
        "monitoring of building elements in winter conditions.",
        ("snow load", "lumikuorma", "frost", "routa", "building", "rakentaminen", "moisture"),
        ("prototype", "pilot"),
        (5, 8),
        ("construction",),
        "commercial",
        15,
    ),
    DemoOffering(
        "drone-survey",
        "lapland-uas",
        "Drone- ja laserkeilauskartoitus",
        "Drone and laser scanning surveys",
        "Maastomallit, pistepilvet ja paikkatieto droneilla ja laserkeilauksella. "
        "Maanmittauksen ja kiinteistöjen kartoitukset.",
        "Terrain models, point clouds and geospatial data with drones and laser scanning. "
        "Land surveying and property mapping.",
        (
            "drone",
            "laser scanning",
            "laserkeilaus",
            "gis",
            "paikkatieto",
            "mapping",
            "kartoitus",
            "land surveying",
        ),
        ("prototype", "pilot", "market"),
        (5, 9),
        ("land_surveying", "ict"),
        "commercial",
        10,
    ),
    DemoOffering(
        "media-production",
        "lapland-uas",
        "Tuote- ja markkinointivideot",
        "Product and marketing videos",
        "Videotuotanto, 360-kuvaus ja sosiaalisen median sisällöt tuotteen lanseeraukseen.",
        "Video production, 360 filming and social media content for a product launch.",
        ("video", "marketing", "markkinointi", "social media", "some", "launch"),
        ("market",),
        (9, 9),
        ("media_production",),
        "commercial",
        15,
    ),
    DemoOffering(
        "business-model",
        "lapland-uas",
        "Liiketoimintamallin sparraus",
        "Business model sparring",
        "Liiketoimintamallin, hinnoittelun ja kansainvälistymisen sparraus kasvuyritykselle.",
        "Sparring on the business model, pricing and internationalisation for a growth company.",
        (
            "business model",
            "liiketoimintamalli",
            "pricing",
            "hinnoittelu",
            "internationalisation",
            "kansainvälistyminen",
        ),
        ("concept", "market"),
        (3, 9),
        ("business",),
        "subsidised",
        10,
    ),
    DemoOffering(
        "welfare-tech",
        "lapland-uas",
        "Hyvinvointiteknologian testaus",
        "Welfare technology testing",
        "Terveys- ja hoivateknologian laitteiden ja sovellusten käyttäjätestaus "
        "simuloidussa kotiympäristössä ja hoitotyön oppimisympäristössä.",
        "User testing of health and care technology devices and applications in a simulated "
        "home and a nursing learning environment.",
        (
            "welfare technology",
            "hyvinvointiteknologia",
            "health",
            "terveys",
            "care",
            "hoiva",
            "elderly",
            "ikääntyneet",
        ),
        ("prototype", "pilot"),
        (5, 8),
        ("ict",),
        "subsidised",
        15,
    ),
    DemoOffering(
        "data-analytics",
        "ulapland",
        "Tekoäly ja data-analytiikka",
        "Artificial intelligence and data analytics",
        "Koneoppimisen ja data-analytiikan kokeilut yrityksen omalla aineistolla: "
        "ennustemallit, kuvantunnistus ja tiedon visualisointi.",
        "Machine learning and data analytics trials with a company's own data: forecasting "
        "models, image recognition and data visualisation.",
        (
            "artificial intelligence",
            "tekoäly",
            "machine learning",
            "koneoppiminen",
            "data analytics",
            "analytiikka",
            "forecast",
            "ennuste",
        ),
        ("concept", "prototype"),
        (3, 6),
        ("ict",),
        "subsidised",
        15,
    ),
    DemoOffering(
        "tourism-design",
        "ulapland",
        "Matkailupalvelujen muotoilu",
        "Tourism service design",
        "Elämysmatkailun palvelujen kehittäminen palvelumuotoilun keinoin: asiakasymmärrys, "
        "palvelupolut ja vastuullisuus.",
        "Developing experience tourism services with service design: customer insight, "
        "service paths and responsibility.",
        ("tourism", "matkailu", "experience", "elämys", "service design", "palvelumuotoilu"),
        ("idea", "concept", "prototype"),
        (1, 6),
        ("business", "industrial_design"),
        "subsidised",
        15,
    ),
    DemoOffering(
        "arctic-law",
        "ulapland",
        "Arktisen oikeuden asiantuntijapalvelu",
        "Arctic law expertise",
        "Ympäristö-, kaivos- ja maankäyttöoikeuden sekä saamelaisten oikeuksien selvitykset "
        "hankkeille.",
        "Studies of environmental, mining and land use law and Sámi rights for projects.",
        ("law", "oikeus", "permit", "lupa", "land use", "maankäyttö", "sámi rights"),
        ("concept", "pilot", "market"),
        (3, 9),
        ("business",),
        "commercial",
        20,
    ),
    DemoOffering(
        "industrial-design",
        "ulapland",
        "Teollinen muotoilu ja käytettävyys",
        "Industrial design and usability",
        "Tuotteen muotoilu, käytettävyystestit ja pohjoisten olosuhteiden käyttäjätutkimus.",
        "Product design, usability tests and user research in northern conditions.",
        ("industrial design", "teollinen muotoilu", "usability", "käytettävyys", "user research"),
        ("concept", "prototype"),
        (3, 6),
        ("industrial_design",),
        "subsidised",
        15,
    ),
    DemoOffering(
        "process-mineralogy",
        "gtk",
        "Prosessimineralogia",
        "Process mineralogy",
        "Malmien ja rikastustuotteiden mineraalikoostumus ja vapautuminen "
        "elektronimikroskopialla. Näytteiden karakterisointi prosessisuunnittelua varten.",
        "Mineral composition and liberation of ores and concentrates by electron microscopy. "
        "Characterising samples for process design.",
        (
            "mineralogy",
            "mineralogia",
            "ore",
            "malmi",
            "electron microscopy",
            "concentrate",
            "rikaste",
        ),
        ("concept", "prototype", "pilot"),
        (3, 8),
        (),
        "commercial",
        20,
    ),
    DemoOffering(
        "circular-economy",
        "gtk",
        "Sivuvirtojen ja kaivosjätteen hyödyntäminen",
        "Side streams and mine waste recovery",
        "Kaivosten sivuvirtojen, rikastushiekan ja teollisuuden jätteiden "
        "hyödyntämismahdollisuudet ja kiertotalouden ratkaisut.",
        "Recovering value from mining side streams, tailings and industrial waste; "
        "circular economy solutions.",
        (
            "circular economy",
            "kiertotalous",
            "tailings",
            "rikastushiekka",
            "mine waste",
            "kaivosjäte",
            "side stream",
            "sivuvirta",
        ),
        ("concept", "prototype", "pilot"),
        (3, 8),
        (),
        "commercial",
        30,
    ),
    DemoOffering(
        "geo-data",
        "gtk",
        "Geotietoaineistot ja malminetsintä",
        "Geodata and mineral exploration",
        "Kallioperä- ja maaperäaineistot, geofysiikka ja malminetsinnän tuki.",
        "Bedrock and soil data, geophysics and support for mineral exploration.",
        (
            "geodata",
            "geotieto",
            "exploration",
            "malminetsintä",
            "geophysics",
            "geofysiikka",
            "bedrock",
            "kallioperä",
        ),
        ("idea", "concept", "market"),
        (1, 9),
        ("land_surveying",),
        "commercial",
        15,
    ),
    DemoOffering(
        "groundwater",
        "gtk",
        "Pohjavesiselvitykset",
        "Groundwater studies",
        "Pohjavesialueiden kartoitus, vedenlaatu ja riskinarviointi hankkeille.",
        "Mapping groundwater areas, water quality and risk assessment for projects.",
        ("groundwater", "pohjavesi", "water quality", "vedenlaatu", "risk", "riski"),
        ("pilot", "market"),
        (7, 9),
        (),
        "commercial",
        20,
    ),
    DemoOffering(
        "berries",
        "luke",
        "Luonnontuotteiden ja marjojen tuotekehitys",
        "Natural products and berry product development",
        "Marjojen, yrttien ja muiden luonnontuotteiden raaka-aineanalyysit ja "
        "tuotekehitys elintarvikkeisiin ja kosmetiikkaan.",
        "Raw material analyses and product development of berries, herbs and other natural "
        "products for food and cosmetics.",
        (
            "berry",
            "marja",
            "natural product",
            "luonnontuote",
            "food",
            "elintarvike",
            "cosmetics",
            "kosmetiikka",
        ),
        ("idea", "concept", "prototype"),
        (1, 6),
        (),
        "subsidised",
        15,
    ),
    DemoOffering(
        "forest-data",
        "luke",
        "Metsävaratieto ja hiilinielulaskenta",
        "Forest data and carbon sink calculation",
        "Metsävaratiedot, puuston kasvu ja hiilinielujen laskenta yrityksen "
        "vastuullisuusraportointiin.",
        "Forest resource data, tree growth and carbon sink calculation for a company's "
        "responsibility reporting.",
        ("forest", "metsä", "carbon sink", "hiilinielu", "timber", "puu", "reporting"),
        ("pilot", "market"),
        (7, 9),
        (),
        "commercial",
        20,
    ),
    DemoOffering(
        "reindeer-welfare",
        "luke",
        "Porotalouden kehittämispalvelu",
        "Reindeer husbandry development",
        "Porotalouden tuottavuus, ruokinta ja eläinten hyvinvointi: kokeet ja neuvonta.",
        "Productivity, feeding and animal welfare of reindeer husbandry: trials and advice.",
        ("reindeer", "poro", "feeding", "ruokinta", "welfare", "hyvinvointi"),
        ("pilot", "market"),
        (6, 9),
        (),
        "subsidised",
        20,
    ),
    DemoOffering(
        "peatland",
        "luke",
        "Soiden ennallistaminen ja turvemaiden jälkikäyttö",
        "Peatland restoration and after-use of peat production areas",
        "Ennallistamisen suunnittelu, vesistövaikutusten seuranta ja turvetuotantoalueiden "
        "jälkikäytön vaihtoehdot, kuten kosteikot ja metsitys.",
        "Restoration planning, monitoring of effects on waters and the after-use options of "
        "peat production areas, such as wetlands and afforestation.",
        ("peatland", "suo", "turve", "restoration", "ennallistaminen", "wetland", "kosteikko"),
        ("concept", "pilot"),
        (3, 8),
        (),
        "subsidised",
        30,
    ),
    DemoOffering(
        "fish-feed",
        "luke",
        "Kalanrehujen kehitys ja testaus",
        "Fish feed development and testing",
        "Uusien rehuraaka-aineiden testaus kasvatuskokeissa ja vesiviljelyn ympäristövaikutukset.",
        "Testing new feed ingredients in growth trials, and the environmental effects of "
        "aquaculture.",
        ("fish feed", "kalanrehu", "aquaculture", "vesiviljely", "growth trial"),
        ("prototype", "pilot"),
        (5, 8),
        (),
        "commercial",
        30,
    ),
)
"""Eleven environments and twenty services across the four organisations."""


SWEDISH: dict[str, tuple[str, str]] = {
    "tequ": (
        "TEQU - snabb prototypframtagning",
        "En teknisk prototyp av ett företags problem eller idé på ungefär en månad, byggd av "
        "ett mångvetenskapligt expertteam.",
    ),
    "sinco": (
        "SINCO - laboratorium för tjänstedesign",
        "Tjänstedesign och tjänsteprototyper: kundresor och kundupplevelse prövas på en "
        "projicerad simuleringsscen.",
    ),
    "tourism-design": (
        "Tjänstedesign för turism",
        "Upplevelseturismens tjänster utvecklas med tjänstedesign: kundinsikt och ansvar.",
    ),
    "mintec": (
        "GTK Mintec - pilotanläggning för mineralteknik",
        "Anrikningsförsök från laboratorieskala till pilotskala, processmineralogi, "
        "malmprover och anrikningssand.",
    ),
    "geo-data": (
        "Geodata och malmprospektering",
        "Berggrunds- och jordartsdata, geofysik och stöd för malmprospektering.",
    ),
    "berries": (
        "Produktutveckling av bär och naturprodukter",
        "Råvaruanalyser och produktutveckling av bär, örter och andra naturprodukter för "
        "livsmedel och kosmetik.",
    ),
    "kutuharju": (
        "Kutuharju forskningsplattform för ren",
        "Cirka 200 renar i Enare, data sedan 1969: renskötsel, bete och djurens välfärd.",
    ),
    "luke-lab": (
        "LUKE:s laboratorium i Rovaniemi",
        "Metoder för mark, växter och mikrobiologi: jordprover, näringsämnen och mikrober.",
    ),
    "inari-fish": (
        "Enare forskningsinfrastruktur - fiskodling",
        "EU:s nordligaste fiskodling med 154 bassänger: försök med fiskodling och foder.",
    ),
}
"""Swedish titles and descriptions of some offerings (Swedish is optional)."""


@dataclass(frozen=True)
class DemoFunding:
    """A funding instrument of the demo data (amounts as of writing: data, not logic)."""

    name: str
    provider: str
    description: str
    stages: tuple[str, ...]
    max_company_age_years: int | None
    max_employees: int | None
    max_amount_eur: int | None
    max_rate_percent: int | None
    buys_research_services: bool
    cross_border: bool
    url: str


FUNDING: tuple[DemoFunding, ...] = (
    DemoFunding(
        "Innovation voucher",
        "Business Finland",
        "For young companies: prototypes, IPR checks and testing bought as expert services.",
        ("idea", "concept", "prototype"),
        10,
        50,
        4500,
        75,
        True,
        False,
        "https://www.businessfinland.fi/en/for-finnish-customers/services/funding/innovation-voucher",
    ),
    DemoFunding(
        "Tempo",
        "Business Finland",
        "Validating international demand for a new product.",
        ("concept",),
        5,
        50,
        60000,
        75,
        True,
        False,
        "https://www.businessfinland.fi/en/for-finnish-customers/services/funding/tempo",
    ),
    DemoFunding(
        "Research to Business",
        "Business Finland",
        "Research organisations preparing the commercialisation of research results; "
        "typically EUR 300-700k over 1-2 years.",
        ("concept", "prototype", "pilot"),
        None,
        None,
        700000,
        70,
        True,
        False,
        "https://www.businessfinland.fi/en/for-finnish-customers/services/funding/research-to-business",
    ),
    DemoFunding(
        "Co-innovation",
        "Business Finland",
        "A research organisation with at least three companies develops solutions together.",
        ("prototype", "pilot"),
        None,
        None,
        None,
        None,
        True,
        False,
        "https://www.businessfinland.fi/en/for-finnish-customers/services/funding/co-innovation",
    ),
    DemoFunding(
        "Development grant",
        "ELY Centre",
        "SMEs' development measures, up to 50 %.",
        ("pilot", "market"),
        None,
        249,
        None,
        50,
        True,
        False,
        "https://www.ely-keskus.fi/en/web/ely-en/business-development-grant",
    ),
    DemoFunding(
        "ERDF and Just Transition Fund",
        "Regional Council of Lapland",
        "Innovation and Skills in Finland 2021-2027: company-research co-operation and "
        "diversification (JTF about EUR 62M for Lapland).",
        ("idea", "concept", "prototype", "pilot", "market"),
        None,
        None,
        None,
        None,
        True,
        False,
        "https://www.rakennerahastot.fi/en/",
    ),
    DemoFunding(
        "Interreg Aurora",
        "Interreg Aurora programme",
        "Finland, Sweden, Norway and Sápmi: research and innovation, SME competitiveness.",
        ("concept", "prototype", "pilot"),
        None,
        None,
        None,
        65,
        True,
        True,
        "https://www.interregaurora.eu/",
    ),
    DemoFunding(
        "EIC Accelerator",
        "European Innovation Council (Horizon Europe)",
        "Grant up to EUR 2.5M plus equity, TRL 5/6 to 8.",
        ("pilot", "market"),
        None,
        249,
        2500000,
        70,
        False,
        False,
        "https://eic.ec.europa.eu/eic-funding-opportunities/eic-accelerator_en",
    ),
)
