/*
 * What `fabricctl sim' prints: a table, or JSON (-j) in the shape
 *
 *   {"policies": {"ecmp": {"jct_s": ..., "fraction_of_optimal": ...,
 *    "max_link_util": ..., "reorder_events": ...}, ...},
 *    "scenario": "...", "seed": N}
 *
 * and the driver that loads a scenario and runs the policies.
 */
#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "sim.h"

static double
fraction(const struct sim_report *r, enum sim_policy p)
{
	double	opt = r->res[SIM_OPTIMAL].jct, jct = r->res[p].jct;

	if (!r->has[SIM_OPTIMAL] || !isfinite(opt))
		return NAN;
	if (!isfinite(jct))
		return 0;
	return jct > 0 ? opt / jct : 1;
}

static void
json_num(FILE *fp, double v)
{
	if (isfinite(v))
		fprintf(fp, "%.9g", v);
	else
		fputs("null", fp);
}

static void
json_str(FILE *fp, const char *s)
{
	fputc('"', fp);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(fp, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(fp, "\\u%04x", (unsigned char)*s);
		else
			fputc(*s, fp);
	}
	fputc('"', fp);
}

void
sim_report_json(FILE *fp, const struct sim_report *r)
{
	const struct sim_result	*x;
	int			 p, first = 1;

	fputs("{\"policies\": {", fp);
	for (p = 0; p < SIM_NPOLICIES; p++) {
		if (!r->want[p])
			continue;
		x = &r->res[p];
		fprintf(fp, "%s\"%s\": {\"jct_s\": ", first ? "" : ", ",
		    sim_policy_str((enum sim_policy)p));
		json_num(fp, x->jct);
		fputs(", \"fraction_of_optimal\": ", fp);
		json_num(fp, fraction(r, (enum sim_policy)p));
		fputs(", \"max_link_util\": ", fp);
		json_num(fp, x->max_link_util);
		fprintf(fp, ", \"reorder_events\": %" PRIu64 "}",
		    x->reorder_events);
		first = 0;
	}
	fputs("}, \"scenario\": ", fp);
	json_str(fp, r->scen->name);
	fprintf(fp, ", \"seed\": %" PRIu64 "}\n", r->seed);
}

void
sim_report_text(FILE *fp, const struct sim_report *r)
{
	const struct sim_result	*x;
	int			 p;

	fprintf(fp, "scenario %s, seed %" PRIu64 "\n", r->scen->name,
	    r->seed);
	fprintf(fp, "%-9s %12s %10s %14s %14s%s\n", "policy", "jct_s",
	    "fraction", "max_link_util", "reorder_events",
	    r->timing ? "      cpu_s" : "");
	for (p = 0; p < SIM_NPOLICIES; p++) {
		if (!r->want[p])
			continue;
		x = &r->res[p];
		fprintf(fp, "%-9s %12.6g %10.3f %14.3f %14" PRIu64,
		    sim_policy_str((enum sim_policy)p), x->jct,
		    fraction(r, (enum sim_policy)p), x->max_link_util,
		    x->reorder_events);
		if (r->timing)
			fprintf(fp, " %10.4f", x->cpu_s);
		fputc('\n', fp);
	}
}

/*
 * Loads the scenario, runs the optimum (every fraction needs it) and the
 * wanted policies, prints.  0, or 1 on any failure (already reported).
 */
int
sim_main(const char *path, uint64_t seed, int seed_given, const int *want,
    int json, int timing)
{
	struct sim_report	 r = { .timing = timing };
	struct sim_scenario	*sc;
	struct sim_job		 job;
	char			 err[512];
	int			 p, rc = 1;

	if ((sc = sim_scen_load(path, err, sizeof(err))) == NULL)
		return 1;
	if (seed_given)
		sc->params.seed = seed;
	r.scen = sc;
	r.seed = sc->params.seed;
	memcpy(r.want, want, sizeof(r.want));
	if (sim_job_build(sc, &job, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		goto out;
	}
	for (p = SIM_NPOLICIES - 1; p >= 0; p--) {
		if (!want[p] && p != SIM_OPTIMAL)
			continue;
		if (sim_run(sc, &job, (enum sim_policy)p, &r.res[p]) == -1) {
			log_warn("%s: policy %s", path,
			    sim_policy_str((enum sim_policy)p));
			goto done;
		}
		r.has[p] = 1;
	}
	if (json)
		sim_report_json(stdout, &r);
	else
		sim_report_text(stdout, &r);
	rc = 0;
done:
	sim_job_free(&job);
out:
	sim_scen_free(sc);
	return rc;
}
