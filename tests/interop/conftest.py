# ruff: noqa: E501 (an ArchiMate file reads best one element a line)
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

SMALL = b"""<?xml version="1.0" encoding="UTF-8"?>
<model xmlns="http://www.opengroup.org/xsd/archimate/3.0/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" identifier="m">
  <name xml:lang="en">Small</name>
  <elements>
    <element identifier="g" xsi:type="Goal"><name>Happy customers</name><documentation>Customers come back.</documentation></element>
    <element identifier="o" xsi:type="Outcome"><name>Claims paid in a week</name></element>
    <element identifier="d" xsi:type="Driver"><name>Churn</name><documentation>Customers leave after slow claims.</documentation></element>
    <element identifier="cap" xsi:type="Capability"><name>Claims handling</name></element>
    <element identifier="fn" xsi:type="BusinessFunction"><name>Handle claims</name></element>
    <element identifier="app" xsi:type="ApplicationComponent"><name>Claims system</name>
      <properties>
        <property propertyDefinitionRef="p1"><value>2025-01-01</value></property>
        <property propertyDefinitionRef="p2"><value>OWNER@example.com</value></property>
      </properties></element>
    <element identifier="wp" xsi:type="WorkPackage"><name>Migrate</name></element>
  </elements>
  <relationships>
    <relationship identifier="r1" source="o" target="g" xsi:type="Realization"/>
    <relationship identifier="r2" source="d" target="g" xsi:type="Influence"/>
    <relationship identifier="r3" source="app" target="fn" xsi:type="Serving"/>
    <relationship identifier="r4" source="fn" target="cap" xsi:type="Realization"/>
    <relationship identifier="r5" source="cap" target="o" xsi:type="Realization"/>
  </relationships>
  <propertyDefinitions>
    <propertyDefinition identifier="p1" type="string"><name>Start date</name></propertyDefinition>
    <propertyDefinition identifier="p2" type="string"><name>Owner</name></propertyDefinition>
  </propertyDefinitions>
</model>
"""


@pytest.fixture
def small() -> bytes:
    return SMALL


def fixture(*parts: str) -> bytes:
    return FIXTURES.joinpath(*parts).read_bytes()
