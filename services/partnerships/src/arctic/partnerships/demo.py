"""Demo data (filled in below)."""

from arctic.partnerships.settings import PartnershipsSettings
from arctic.runtime.demo import DemoData

DEMO_DATA: list[DemoData[PartnershipsSettings]] = []
