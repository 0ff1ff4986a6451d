// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
// validate.mjs - checks Kubernetes manifests against the Kubernetes API
// schema, strictly: kubernetes-models validates every object with the JSON
// schemas generated from Kubernetes' OpenAPI specification (types, required
// fields, formats); @kubernetes/client-node's models, generated from the
// same specification, list every field each type has, so a field the API
// does not know (a typo the API server would drop or refuse) is an error
// too, as with kubeconform -strict.
//   node validate.mjs FILE...    prints "ok FILE KIND/NAME" per object, or
//                                "error FILE KIND/NAME: why"; exit 1 on any error
import fs from "node:fs";
import YAML from "yaml";
import * as k8s from "@kubernetes/client-node";

// client-node's class name: apps/v1 DaemonSet -> V1DaemonSet.
function clientClassName(apiVersion, kind) {
	const version = apiVersion.split("/").pop();
	return version.charAt(0).toUpperCase() + version.slice(1) + kind;
}

// Walks value along its client-node type; reports fields the type lacks.
function strict(value, type, path, errors) {
	if (value === null || value === undefined)
		return;
	let m = /^Array<(.+)>$/.exec(type);
	if (m) {
		if (Array.isArray(value))
			value.forEach((v, i) => strict(v, m[1], `${path}[${i}]`, errors));
		return;
	}
	m = /^\{ \[key: string\]: (.+); \}$/.exec(type);
	if (m) {
		for (const [k, v] of Object.entries(value))
			strict(v, m[1], `${path}.${k}`, errors);
		return;
	}
	const cls = k8s[type];
	if (!cls || typeof cls.getAttributeTypeMap !== "function" || typeof value !== "object")
		return;
	const attrs = cls.getAttributeTypeMap();
	for (const [k, v] of Object.entries(value)) {
		const a = attrs.find((x) => x.baseName === k);
		if (!a)
			errors.push(`${path}.${k}: unknown field of ${type}`);
		else
			strict(v, a.type, `${path}.${k}`, errors);
	}
}

let failed = false;
for (const file of process.argv.slice(2)) {
	const docs = YAML.parseAllDocuments(fs.readFileSync(file, "utf8"));
	for (const doc of docs) {
		if (doc.errors.length) {
			console.log(`error ${file}: YAML: ${doc.errors[0].message}`);
			failed = true;
			continue;
		}
		const obj = doc.toJS();
		if (!obj)
			continue;
		const what = `${obj.kind}/${obj.metadata?.name}`;
		const errors = [];
		let Model;
		try {
			Model = (await import(`kubernetes-models/${obj.apiVersion}/${obj.kind}`))[obj.kind];
		} catch {
			errors.push(`no schema for apiVersion ${obj.apiVersion} kind ${obj.kind}`);
		}
		if (Model) {
			try {
				new Model(obj).validate();
			} catch (e) {
				errors.push(e.message.replace(/\s+/g, " "));
			}
		}
		const cls = clientClassName(obj.apiVersion ?? "", obj.kind ?? "");
		if (!k8s[cls])
			errors.push(`no field list for ${obj.apiVersion} ${obj.kind}`);
		else
			strict(obj, cls, obj.kind, errors);
		if (errors.length) {
			console.log(`error ${file} ${what}: ${errors.join("; ")}`);
			failed = true;
		} else {
			console.log(`ok ${file} ${what}`);
		}
	}
}
process.exit(failed ? 1 : 0);
