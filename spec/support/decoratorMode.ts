/** Which decorator standard this compilation of the specs uses: read off a probe decorator's arguments. */
let mode: "legacy" | "standard" = "legacy";

function probe(...args: unknown[]): void {
  mode = args.length === 2 && typeof args[1] === "object" ? "standard" : "legacy";
}

@probe
class Probe {}
void Probe;

export const decoratorMode = mode;
