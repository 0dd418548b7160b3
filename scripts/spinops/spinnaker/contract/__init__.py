"""The runtime contract: what each Spinnaker service needs from its configuration to start and work.

Three families, each derived from Spinnaker's and Spring Boot's own sources (docs/runtime-contract.md):
- unresolvable references: a `${name}` without a default that no source defines (Spring fails
  the bean that reads it);
- removed properties: a property Spring Boot 2.7 no longer binds (`spring_boot_removed.yml`, from Spring
  Boot's deprecation metadata), silently ignored at run time;
- startup requirements: `requirements.yml`, one row per requirement read from a service's
  `@ConditionalOn...` configuration classes, with its upstream file and line.

`properties` loads a service's effective properties the way kork does; `evaluate` applies the three
families to them. Both are pure; the `runtime-contract` check rule feeds them from the manifests.
"""
